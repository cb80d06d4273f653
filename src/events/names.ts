/** Names of an app's events on NATS JetStream (no NATS client needed to compute them). */
import { createHash } from "node:crypto";

/** The stream of an app's events. */
export function streamName(app: string): string {
  return `WEFT_EVENTS_${app.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/** The subject of a topic's events. */
export function eventSubject(app: string, topic: string): string {
  return `weft-events.${app}.${topic}`;
}

/** The durable consumer of a subscription (`service/topic`): readable, and unique by its hash. */
export function durableName(consumer: string): string {
  const hash = createHash("sha256").update(consumer).digest("hex").slice(0, 8);
  return `${consumer.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 48)}_${hash}`;
}
