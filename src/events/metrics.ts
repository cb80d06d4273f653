/**
 * The events' Prometheus counters, when the app records metrics (`weft/observe`): events the
 * relay handed to the broker, per topic, and what each delivery to a subscribing service came to.
 * Without observability both callbacks are undefined and nothing is counted.
 */
import type { App } from "../core/index.js";
import { metricsOf } from "../observe/observability.js";
import type { Consumer, Outcome } from "./broker.js";
import type { EventEnvelope } from "./envelope.js";

/** A delivery's outcome as the `outcome` label of `weft_events_processed_total`. */
const OUTCOME_LABEL: Record<Outcome["kind"], string> = {
  done: "processed",
  duplicate: "duplicate",
  skipped: "skipped",
  retry: "retried",
  dead: "dead_lettered",
};

/** The counting callbacks of one app's relay and dispatcher. */
export interface EventMetrics {
  readonly relayed: ((events: readonly EventEnvelope[]) => void) | undefined;
  readonly processed:
    | ((consumer: Consumer, event: EventEnvelope, outcome: Outcome) => void)
    | undefined;
}

/** Declares the events' counters on `app`'s metrics, if it has any. */
export function eventMetrics(app: App): EventMetrics {
  const metrics = metricsOf(app);
  if (metrics === undefined) return { relayed: undefined, processed: undefined };
  const published = metrics.counter(
    "weft_events_published_total",
    "Events this process relayed from its outbox to the broker, by topic.",
    ["topic"],
  );
  const processed = metrics.counter(
    "weft_events_processed_total",
    "Deliveries of events to subscribing services in this process, by service, topic and outcome (processed, duplicate, skipped, retried, dead_lettered).",
    ["service", "topic", "outcome"],
  );
  return {
    relayed: (events) => {
      const byTopic = new Map<string, number>();
      for (const e of events) byTopic.set(e.topic, (byTopic.get(e.topic) ?? 0) + 1);
      for (const [topic, n] of byTopic) published.inc({ topic }, n);
    },
    processed: (consumer, event, outcome) =>
      processed.inc({
        service: consumer.service,
        topic: event.topic,
        outcome: OUTCOME_LABEL[outcome.kind],
      }),
  };
}
