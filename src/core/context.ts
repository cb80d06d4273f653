/**
 * The call context every handler, middleware and workflow step receives: who is calling, until
 * when, in which trace, with which metadata; a logger bound to all that; and `client()` to call
 * other services with the context propagated.
 */
import type { AnyContract, Client } from "./contract.js";
import type { Logger } from "./logger.js";
import type { TraceContext } from "./trace-context.js";

/** The verified identity behind a call (set by the gateway or by whoever starts the call). */
export interface Principal {
  /** Stable id of the caller (user id, service name, API key id). */
  readonly id: string;
  /** What kind of caller it is. Default `user`. */
  readonly kind?: "user" | "service" | "anonymous";
  /** Permissions granted, e.g. `["orders:write"]`. */
  readonly scopes?: readonly string[];
  /** Other verified claims, JSON values only. */
  readonly claims?: Readonly<Record<string, unknown>>;
}

/** What a handler knows about the call it is serving (or, in client middleware, making). */
export interface CallContext {
  /** The app's name. */
  readonly app: string;
  /** The service being called. */
  readonly service: string;
  /** The method being called. */
  readonly method: string;
  /** Whether the method is declared idempotent (safe to retry). */
  readonly idempotent: boolean;
  /** When the caller stops waiting, in epoch milliseconds of this process's clock. */
  readonly deadline: number;
  /** Milliseconds left until the deadline (0 when passed). */
  remaining(): number;
  /** Aborted when the deadline passes, the caller cancels, or shutdown gives up waiting. */
  readonly signal: AbortSignal;
  /** String key/values that travel with the call and every call made from it. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The caller's verified identity, if any. */
  readonly principal: Principal | undefined;
  /** Trace and span ids of this call. */
  readonly trace: TraceContext;
  /** W3C `traceparent` of this call. */
  readonly traceparent: string;
  /** A logger whose lines carry the app, service, method, trace and span ids. */
  readonly logger: Logger;
  /** A typed client for another service; calls made with it inherit this context. */
  client<C extends AnyContract>(contract: C): Client<C>;
  /**
   * Runs `fn` in a new store transaction and hands it the transaction's handle: exactly what goes
   * through that handle joins the transaction — `tx.execute`/`tx.query` on the service's own
   * tables, `tx.publish` (an outbox row), `tx.start` (a workflow run), `tx.transaction` (a
   * savepoint) — and nothing else. Fails with FAILED_PRECONDITION when the app has no store, or
   * when a caller of this call in this process has a transaction open (`TX_SPANS_CALL`). Nest
   * with `tx.transaction`: on SQLite (one writer) a second `ctx.tx` awaited inside the first's
   * `fn` waits for the first to end, which waits for it — a deadlock.
   */
  tx<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T>;
  /**
   * What an app extension provides under `key` (e.g. the workflow client of `weft/workflow`).
   * Throws FAILED_PRECONDITION naming the key when the app has no such extension.
   */
  use<T>(key: ExtensionKey<T>): T;
  /**
   * Publishes an event on a topic, in a transaction of its own: it is durable in the outbox before
   * `publish` resolves. While a `ctx.tx` of this call is open it is refused (FAILED_PRECONDITION
   * `PUBLISH_IN_TX`): publish with that transaction's `tx.publish` so the event commits with it.
   * The event is validated against the topic's schema first (INVALID_ARGUMENT, nothing written).
   * Needs the events of `weft` (an app with topics).
   */
  publish<T>(topic: TopicLike<T>, event: T, options?: PublishOptions): Promise<Published>;
}

/** A topic as core knows it: a name (and, as a type, its events). `defineTopic` makes one. */
export interface TopicLike<T = unknown> {
  readonly kind: "weft.topic";
  readonly name: string;
  /** Type carrier only; never set. */
  readonly __event?: T;
}

/** Options of `ctx.publish`. */
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

/** A typed key under which an app extension provides something to handlers. */
export interface ExtensionKey<T> {
  readonly name: string;
  /** Type carrier only; never set. */
  readonly __type?: T;
}

/** Makes an extension key (one per thing provided; compare by identity). */
export function extensionKey<T>(name: string): ExtensionKey<T> {
  return Object.freeze({ name });
}

/** The key under which the events extension provides the publisher behind `ctx.publish`. */
export const PUBLISHER: ExtensionKey<Publisher> = extensionKey<Publisher>(
  "events (an app with a store: topics, subscriptions, workflows or `store: true`)",
);

/** A SQL statement built with the `sql` tag of `weft/store`. */
export interface SqlStatement {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

/**
 * An open store transaction, as `ctx.tx` hands it over: everything done through it commits or
 * rolls back together. `weft/workflow` adds `start` (a run started in this transaction).
 */
export interface TxHandle {
  /** `sqlite` or `postgres`, for the few statements that must differ. */
  readonly dialect: string;
  /** Runs a statement and returns its rows. */
  query<R = Record<string, unknown>>(statement: SqlStatement): Promise<R[]>;
  /** Runs a statement for its effect. */
  execute(statement: SqlStatement): Promise<{ readonly rowCount: number }>;
  /**
   * Runs `fn` in a savepoint of this transaction: when `fn` throws, what it did rolls back alone
   * (and the error is rethrown); otherwise it commits or rolls back with this transaction.
   */
  transaction<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T>;
  /**
   * Writes an event to the outbox in this transaction: it exists iff the transaction commits, and
   * is relayed after the commit. Validated like `ctx.publish`. Needs the app's events (topics).
   */
  publish<T>(topic: TopicLike<T>, event: T, options?: PublishOptions): Promise<Published>;
}

/** Runs transactions for `ctx.tx`; an app's store provides it. */
export type Transactor = <T>(ctx: CallContext, fn: (tx: TxHandle) => Promise<T>) => Promise<T>;
