/**
 * `ctx.publish` and `tx.publish` as types, and `ctx.publish` on every call context: the events
 * declare both members by declaration merging (into core's `ContextMembers` and the store's
 * `TxHandle`) and install `ctx.publish`, which finds the app's publisher with
 * `ctx.use(PUBLISHER)` (the events extension provides it).
 */
import {
  type CallContext,
  defineContextMember,
  type ExtensionKey,
  extensionKey,
  type TopicLike,
} from "../core/index.js";

/** Options of `ctx.publish` and `tx.publish`. */
export interface PublishOptions {
  /** The event's key (an order id, a customer id): carried to subscribers, for their use. */
  readonly key?: string;
  /**
   * The event's id, when the publisher has a natural one: publishing the same id again records
   * nothing new (a retried handler, a re-run workflow step). Default: a new UUIDv7.
   */
  readonly id?: string;
}

/** What `ctx.publish` recorded. */
export interface Published {
  /** The event's id (UUIDv7): subscribers see it, and their inbox dedupes on it. */
  readonly id: string;
}

/** Publishes events for handlers (`ctx.publish`); the events extension provides it. */
export interface Publisher {
  publish(
    ctx: CallContext | undefined,
    topic: TopicLike,
    event: unknown,
    options?: PublishOptions,
  ): Promise<Published>;
}

/** The key under which the events extension provides the publisher behind `ctx.publish`. */
export const PUBLISHER: ExtensionKey<Publisher> = extensionKey<Publisher>(
  "events (an app with a store: topics, subscriptions, workflows or `store: true`)",
);

declare module "../core/context.js" {
  interface ContextMembers {
    /**
     * Publishes an event on a topic, in a transaction of its own: it is durable in the outbox
     * before `publish` resolves. While a `ctx.tx` of this call is open it is refused
     * (FAILED_PRECONDITION `PUBLISH_IN_TX`): publish with that transaction's `tx.publish` so the
     * event commits with it. The event is validated against the topic's schema first
     * (INVALID_ARGUMENT, nothing written). Needs the events of `weft` (an app with topics).
     */
    publish<T>(topic: TopicLike<T>, event: T, options?: PublishOptions): Promise<Published>;
  }
}

declare module "../store/tx-handle.js" {
  interface TxHandle {
    /**
     * Writes an event to the outbox in this transaction: it exists iff the transaction commits,
     * and is relayed after the commit. Validated like `ctx.publish`. Needs the app's events.
     */
    publish<T>(topic: TopicLike<T>, event: T, options?: PublishOptions): Promise<Published>;
  }
}

defineContextMember("publish", function publish<
  T,
>(this: CallContext, topic: TopicLike<T>, event: T, options?: PublishOptions) {
  try {
    return this.use(PUBLISHER).publish(this, topic, event, options);
  } catch (error) {
    return Promise.reject(error);
  }
});
