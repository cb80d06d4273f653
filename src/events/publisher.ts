/**
 * `ctx.publish` and `tx.publish`: validate the event against its topic and write it to the
 * outbox. `tx.publish` writes it with one insert in the transaction whose handle it is called on,
 * so the event exists iff that transaction commits; `ctx.publish` writes it in a transaction of
 * its own, committed before it resolves, and refuses while its call has a `ctx.tx` open (it could
 * not be part of it: that is `tx.publish`'s job).
 */
import { v7 } from "uuid";
import {
  type CallContext,
  failedPrecondition,
  resourceExhausted,
  type TopicLike,
  validate,
} from "../core/index.js";
import { heldTransaction } from "../store/open-tx.js";
import type { Queryable } from "../store/types.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";
import type { Published, Publisher, PublishOptions } from "./publish.js";
import { isTopic } from "./topic.js";

/** Room kept for the event's headers within the payload limit. */
const ENVELOPE_ROOM = 1024;

/** The publisher behind `ctx.publish`, and `publishIn` behind `tx.publish`. */
export interface OutboxPublisher extends Publisher {
  /** Writes the event to the outbox with one statement on `db` (an open transaction's handle). */
  publishIn(
    db: Queryable,
    ctx: CallContext | undefined,
    topic: TopicLike,
    event: unknown,
    options?: PublishOptions,
  ): Promise<Published>;
}

/** Refuses `ctx.publish` while its call (or a caller in this process) has a transaction open. */
function checkOutsideTransaction(ctx: CallContext | undefined): void {
  const holder = ctx === undefined ? undefined : heldTransaction(ctx);
  if (holder === undefined || ctx === undefined) return;
  throw failedPrecondition(
    "PUBLISH_IN_TX",
    holder === ctx
      ? `${ctx.service}.${ctx.method} called ctx.publish while its ctx.tx is open: the event would not commit with that transaction; use tx.publish(topic, event) on the transaction's handle`
      : `${ctx.service}.${ctx.method} called ctx.publish while its caller ${holder.service}.${holder.method} has a transaction open: publish with that transaction's tx.publish, or after it`,
  );
}

/** Makes the publisher of an app. */
export function createPublisher(options: {
  readonly events: () => EventStore;
  /** The app's topics by name (publishing to another topic is refused). */
  readonly topics: ReadonlyMap<string, TopicLike>;
  readonly maxPayload: number;
  /** Called after an event was written in its own transaction (the relay looks at once). */
  readonly written: () => void;
}): OutboxPublisher {
  const envelopeOf = async (
    ctx: CallContext | undefined,
    topic: TopicLike,
    event: unknown,
    publishOptions: PublishOptions,
  ): Promise<EventEnvelope> => {
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
    return {
      id: publishOptions.id ?? v7(),
      topic: topic.name,
      key: publishOptions.key,
      payload,
      traceparent: ctx?.traceparent,
      publishedAt: Date.now(),
    };
  };
  return {
    async publish(ctx, topic, event, publishOptions = {}) {
      checkOutsideTransaction(ctx);
      const envelope = await envelopeOf(ctx, topic, event, publishOptions);
      const events = options.events();
      await events.store.transaction((tx) => events.insertOutbox(tx, [envelope]));
      options.written();
      return { id: envelope.id };
    },
    async publishIn(db, ctx, topic, event, publishOptions = {}) {
      const envelope = await envelopeOf(ctx, topic, event, publishOptions);
      // One statement in the caller's transaction, with no savepoint around it (a savepoint
      // would cost two more round trips per event, measured as most of a publisher's
      // statements): the insert is atomic by itself, and a failed one fails the publish (on
      // PostgreSQL it also aborts the caller's transaction).
      await options.events().insertOutbox(db, [envelope]);
      return { id: envelope.id };
    },
  };
}
