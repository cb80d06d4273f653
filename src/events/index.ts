/**
 * Events that are never lost: topics as values, `ctx.publish` through a transactional outbox, a
 * relay to the in-process queue or NATS JetStream, subscriptions with inbox dedupe, retries with
 * backoff and a dead-letter store with redrive. See docs/events.md.
 *
 * @example
 * ```ts
 * import { defineTopic, subscribe } from "weft";
 * const orderPlaced = defineTopic("order.placed", z.object({ orderId: z.string() }));
 * // in a handler:   await ctx.tx(async (tx) => { …; await tx.publish(orderPlaced, { orderId }); });
 * // in a service:   email.implement(handlers, { subscriptions: [subscribe(orderPlaced, onPlaced)] });
 * ```
 */

export { durableName, eventSubject, streamName } from "../transport/subjects.js";
export type { Consumer, EventBroker, Outcome } from "./broker.js";
export {
  type ConsumerStats,
  EVENTS,
  type EventStats,
  type EventsClient,
  events,
} from "./client.js";
export type { DeliveryCounts } from "./dispatcher.js";
export type { EventEnvelope } from "./envelope.js";
export type { DeadLetter, DeadLetterFilter } from "./event-store.js";
export {
  type EventRetention,
  type EventsExtension,
  type EventsOptions,
  eventsExtension,
} from "./extension.js";
export type { RelayOptions } from "./relay.js";
export {
  consumerName,
  type EventHandler,
  type EventInfo,
  type EventRetry,
  isSubscription,
  type SubscribeOptions,
  type Subscription,
  subscribe,
} from "./subscribe.js";
export { type AnyTopic, defineTopic, type EventOf, isTopic, type Topic } from "./topic.js";
