/**
 * `ctx.publish`: validates the event against its topic, and writes it to the outbox — inside the
 * caller's open transaction when there is one (one insert statement in it), so the event
 * exists iff that transaction commits; otherwise in a transaction of its own, committed before
 * `publish` resolves.
 */
import { v7 } from "uuid";
import {
  type CallContext,
  failedPrecondition,
  type Published,
  type Publisher,
  type PublishOptions,
  resourceExhausted,
  type TopicLike,
  validate,
} from "../core/index.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";
import { isTopic } from "./topic.js";

/** Room kept for the event's headers within the payload limit. */
const ENVELOPE_ROOM = 1024;

/** Makes the publisher of an app. */
export function createPublisher(options: {
  readonly events: () => EventStore;
  /** The app's topics by name (publishing to another topic is refused). */
  readonly topics: ReadonlyMap<string, TopicLike>;
  readonly maxPayload: number;
  /** Called after an event was written outside a transaction (the relay looks at once). */
  readonly written: () => void;
}): Publisher {
  return {
    async publish(
      ctx: CallContext | undefined,
      topic: TopicLike,
      event: unknown,
      publishOptions: PublishOptions = {},
    ): Promise<Published> {
      const known = options.topics.get(topic?.name);
      if (known === undefined || known !== topic || !isTopic(topic)) {
        throw failedPrecondition(
          "TOPIC_NOT_DECLARED",
          `topic ${JSON.stringify(topic?.name)} is not one of the app's topics: add it to defineApp({ topics: [...] })`,
          { metadata: { topic: String(topic?.name) } },
        );
      }
      await validate(topic.schema, event, {
        code: "INVALID_ARGUMENT",
        reason: "EVENT_INVALID",
        subject: `event of topic ${topic.name}`,
      });
      const payload = JSON.stringify(event);
      const size = Buffer.byteLength(payload);
      if (size > options.maxPayload - ENVELOPE_ROOM) {
        throw resourceExhausted(
          "EVENT_TOO_LARGE",
          `event of topic ${topic.name} is ${size} bytes; the limit is ${options.maxPayload - ENVELOPE_ROOM} (maxPayload ${options.maxPayload} less ${ENVELOPE_ROOM} for headers)`,
          {
            metadata: { limit: String(options.maxPayload - ENVELOPE_ROOM), size: String(size) },
            retryable: false,
          },
        );
      }
      const envelope: EventEnvelope = {
        id: publishOptions.id ?? v7(),
        topic: topic.name,
        key: publishOptions.key,
        payload,
        traceparent: ctx?.traceparent,
        publishedAt: Date.now(),
      };
      const events = options.events();
      if (events.store.inTransaction()) {
        // One statement in the caller's transaction, with no savepoint around it (a savepoint
        // would cost two more round trips per event, measured as most of a publisher's
        // statements): the insert is atomic by itself, and a failed one fails the publish (on
        // PostgreSQL it also aborts the caller's transaction).
        await events.insertOutbox(events.store, [envelope]);
      } else {
        await events.store.transaction((tx) => events.insertOutbox(tx, [envelope]));
      }
      options.written();
      return { id: envelope.id };
    },
  };
}
