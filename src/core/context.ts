/**
 * The call context every handler, middleware and workflow step receives: who is calling, until
 * when, in which trace, with which metadata; a logger bound to all that. Other modules add members
 * by declaration merging: `client()` (contract.ts), and through {@link ContextMembers} `ctx.tx`
 * (the store) and `ctx.publish` (the events) — core knows no SQL and no events.
 */
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

/**
 * Members subsystems add to every call context: each declares its member here by declaration
 * merging (`declare module "…/core/context.js" { interface ContextMembers { … } }`) and installs
 * it at run time with `defineContextMember` (the store adds `tx`, the events `publish`).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging from subsystems.
export interface ContextMembers {}

/** What a handler knows about the call it is serving (or, in client middleware, making). */
export interface CallContext extends ContextMembers {
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
  /**
   * What an app extension provides under `key` (e.g. the workflow client of `weft/workflow`).
   * Throws FAILED_PRECONDITION naming the key when the app has no such extension.
   */
  use<T>(key: ExtensionKey<T>): T;
}

/** A topic as core knows it: a name (and, as a type, its events). `defineTopic` makes one. */
export interface TopicLike<T = unknown> {
  readonly kind: "weft.topic";
  readonly name: string;
  /** Type carrier only; never set. */
  readonly __event?: T;
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
