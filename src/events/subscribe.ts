/**
 * Subscriptions are declared with a service's implementation: the service consumes the topic
 * wherever it runs, each event once per service across its replicas.
 *
 * @example
 * ```ts
 * export const emailImpl = email.implement(handlers, {
 *   subscriptions: [
 *     subscribe(orderPlaced, async (ctx, event) => {
 *       await ctx.tx((tx) => tx.execute(sql`insert into email_outbox …`));
 *     }, { concurrency: 8, retry: { attempts: 5 } }),
 *   ],
 * });
 * ```
 */
import {
  type CallContext,
  type Duration,
  invalidArgument,
  type SubscriptionLike,
  toMilliseconds,
} from "../core/index.js";
import { exponentialBackoff } from "../resilience/backoff.js";
import { type AnyTopic, type EventOf, isTopic } from "./topic.js";

/** What a handler knows about the event it handles. */
export interface EventInfo {
  /** The event's id (UUIDv7, or derived from the workflow step that published it). */
  readonly id: string;
  /** The topic's name. */
  readonly topic: string;
  /** The key given to `publish`, if any. */
  readonly key: string | undefined;
  /** When the event was published (epoch ms). */
  readonly publishedAt: number;
  /** 1 for the first delivery to this subscriber, 2 for the first retry, … */
  readonly attempt: number;
}

/** Handles one event. Throwing retries it (with backoff), then dead-letters it. */
export type EventHandler<T extends AnyTopic> = (
  ctx: CallContext,
  event: EventOf<T>,
  info: EventInfo,
) => Promise<void>;

/** How a subscription retries. */
export interface EventRetry {
  /** Deliveries before the event is dead-lettered (1 = no retry). Default 5. */
  readonly attempts?: number;
  /** Wait before the first retry; doubles each time, with jitter. Default 1 s. */
  readonly initial?: Duration;
  /** Longest wait between retries. Default 5 min. */
  readonly max?: Duration;
}

/** Options of {@link subscribe}. */
export interface SubscribeOptions {
  /** Events handled at once by one process. Default 16. */
  readonly concurrency?: number;
  /** Retries with backoff. */
  readonly retry?: EventRetry;
  /**
   * After the last attempt, store the event with its error as a dead letter (and go on with the
   * others). `false` keeps retrying it forever, at the longest wait. Default true.
   */
  readonly deadLetter?: boolean;
  /** Time limit of one attempt; the handler's `ctx.signal` aborts then. Default 30 s. */
  readonly timeout?: Duration;
}

/** A subscription, resolved. */
export interface Subscription<T extends AnyTopic = AnyTopic> extends SubscriptionLike {
  readonly topic: T;
  readonly handler: EventHandler<T>;
  readonly concurrency: number;
  readonly attempts: number;
  readonly initialMs: number;
  readonly maxMs: number;
  readonly deadLetter: boolean;
  readonly timeoutMs: number;
}

/** Declares that a service consumes a topic. Pass it in `implement(…, { subscriptions })`. */
export function subscribe<T extends AnyTopic>(
  topic: T,
  handler: EventHandler<T>,
  options: SubscribeOptions = {},
): Subscription<T> {
  if (!isTopic(topic)) {
    throw invalidArgument("INVALID_TOPIC", "subscribe needs a topic made by defineTopic", {
      issues: [{ path: ["topic"], message: "must be defineTopic(...)" }],
    });
  }
  if (typeof handler !== "function") {
    throw invalidArgument(
      "INVALID_HANDLER",
      `subscribe(${topic.name}): the handler must be a function`,
      {
        issues: [{ path: ["handler"], message: "must be a function" }],
      },
    );
  }
  const whole = (field: string, value: number | undefined, fallback: number, min: number) => {
    const n = value ?? fallback;
    if (!Number.isInteger(n) || n < min) {
      throw invalidArgument(
        "INVALID_SUBSCRIPTION",
        `subscribe(${topic.name}): ${field} must be a whole number >= ${min} (got ${JSON.stringify(value)})`,
        { issues: [{ path: [field], message: `must be a whole number >= ${min}` }] },
      );
    }
    return n;
  };
  return Object.freeze({
    kind: "weft.subscription" as const,
    topic,
    handler,
    concurrency: whole("concurrency", options.concurrency, 16, 1),
    attempts: whole("retry.attempts", options.retry?.attempts, 5, 1),
    initialMs: toMilliseconds(options.retry?.initial ?? "1s", "retry.initial"),
    maxMs: toMilliseconds(options.retry?.max ?? "5m", "retry.max"),
    deadLetter: options.deadLetter ?? true,
    timeoutMs: toMilliseconds(options.timeout ?? "30s", "timeout"),
  });
}

/** Tells whether a value is a subscription made by {@link subscribe}. */
export function isSubscription(value: unknown): value is Subscription {
  return (
    (value as SubscriptionLike | null)?.kind === "weft.subscription" &&
    "handler" in (value as object)
  );
}

/** The consumer name of a service's subscription: the key of its inbox and its durable consumer. */
export function consumerName(service: string, topic: string): string {
  return `${service}/${topic}`;
}

/** Wait before retry number `attempt` (1-based: the wait after the first failure), with jitter. */
export function retryDelay(subscription: Subscription, attempt: number): number {
  const backoff = exponentialBackoff({
    initial: subscription.initialMs,
    max: subscription.maxMs,
    jitter: "equal",
  });
  return Math.round(backoff(attempt));
}
