/**
 * The call context implementation. Costly parts (the AbortSignal, the child logger, the
 * traceparent string) are made only when a handler asks for them, so a plain call allocates
 * little more than this object.
 */

import type { CallContext, ContextMembers, ExtensionKey, Principal } from "./context.js";
import type { AnyContract, Client } from "./contract.js";
import type { WeftError } from "./errors.js";
import type { IntrusiveList, Linked } from "./intrusive-list.js";
import type { Logger } from "./logger.js";
import {
  childTrace,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from "./trace-context.js";

/** What a span needs besides its ids, kept on the context while the call runs. */
export interface SpanTiming {
  /** When the call (or the serving of it) began, from `performance.now()`. */
  readonly startedAt: number;
  /** The span recorded when serving ends: `internal` for work run by `perform`. */
  readonly kind: "server" | "internal";
  /** The call crossed a process boundary. */
  readonly remote: boolean;
  /** Bytes of request and reply on the wire, when a transport reports them. */
  bytes: number | undefined;
}

/** What a context needs from the app that runs it. */
export interface ContextRuntime {
  readonly app: string;
  readonly logger: Logger;
  client<C extends AnyContract>(contract: C, parent: LiveContext): Client<C>;
  use<T>(key: ExtensionKey<T>): T;
}

/**
 * What a context is made from. Callers pass it as an object literal read only by the constructor,
 * so once the constructor is inlined the optimizing compiler need not allocate it (the
 * callgrind guard in bench/ shows no extra cost per call).
 */
export interface ContextInit {
  readonly service: string;
  readonly method: string;
  readonly idempotent: boolean;
  /** Epoch ms. */
  readonly deadline: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly principal: Principal | undefined;
  /** For a call with no parent: the caller's trace position or its `traceparent`, if any. */
  readonly traceparent?: TraceContext | string | undefined;
  /** The context of the handler (or caller) that made the call, if any. */
  readonly parent?: LiveContext | undefined;
  /** True when the call was made by work still in flight in this process (served while draining). */
  readonly nested: boolean;
}

/**
 * The members subsystems add to every context ({@link defineContextMember}): declared here so the
 * class has their types; installed on its prototype when the subsystem's module loads.
 */
export interface LiveContext extends ContextMembers {}

/** Told when a call is aborted: cancelled, deadline passed, or shutdown gave up waiting. */
export interface AbortListener {
  callAborted(reason: unknown): void;
}

/** A call's context. `parent` is the context of the handler that made the call, if any. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the merged members are installed on the prototype by defineContextMember.
export class LiveContext implements CallContext, Linked {
  prev: Linked | undefined = undefined;
  next: Linked | undefined = undefined;
  list: IntrusiveList<Linked> | undefined = undefined;
  private controller: AbortController | undefined;
  private abortReason: WeftError | undefined;
  /** Told when the call is aborted (a transport's pending call): see {@link listen}. */
  private abortListener: AbortListener | undefined;
  private abortListeners: AbortListener[] | undefined;
  private childLogger: Logger | undefined;
  /** The call made from this context that is still running, when there is one (the usual case). */
  private child: LiveContext | undefined;
  /** Further calls made from it that are still running (concurrent calls); made only for those. */
  private children: Set<LiveContext> | undefined;
  private ownTrace: TraceContext | undefined;
  /** The caller's span of this call, when this context is also the callee's (`direct`). */
  private clientTrace: TraceContext | undefined;
  /** Set when the method's own code started: errors after that may have had effects. */
  ran = false;
  /**
   * Set when the call is served in this process by a plain function call, with this same object
   * as the callee's context: the call then still has two spans, the caller's (`callTrace`) and the
   * callee's (`trace`, its child), exactly as when the call crosses a wire.
   */
  direct = false;
  /** What the span of this call needs besides ids; made only when the app has an observer. */
  span: SpanTiming | undefined = undefined;

  readonly service: string;
  readonly method: string;
  readonly idempotent: boolean;
  readonly deadline: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly principal: Principal | undefined;
  /**
   * The caller's trace position or its `traceparent` (for a nested call, the parent's trace is
   * used). This call's span is made only when someone asks, so untraced calls cost no ids.
   */
  private readonly callerTrace: TraceContext | string | undefined;
  readonly parent: LiveContext | undefined;
  /** True when the call was made by a handler that is still in flight in this process. */
  readonly nested: boolean;

  constructor(
    readonly runtime: ContextRuntime,
    init: ContextInit,
  ) {
    this.service = init.service;
    this.method = init.method;
    this.idempotent = init.idempotent;
    this.deadline = init.deadline;
    this.metadata = init.metadata;
    this.principal = init.principal;
    this.callerTrace = init.traceparent;
    this.parent = init.parent;
    this.nested = init.nested;
  }

  get trace(): TraceContext {
    if (this.ownTrace === undefined) {
      const from =
        this.parent !== undefined
          ? this.parent.trace
          : typeof this.callerTrace === "string"
            ? parseTraceparent(this.callerTrace)
            : this.callerTrace;
      const call = from === undefined ? newTrace() : childTrace(from);
      if (this.direct) {
        this.clientTrace = call;
        this.ownTrace = childTrace(call);
      } else this.ownTrace = call;
    }
    return this.ownTrace;
  }

  /** The span of the call as its caller made it: `trace`, or its parent when served directly. */
  get callTrace(): TraceContext {
    const own = this.trace;
    return this.clientTrace ?? own;
  }

  get app(): string {
    return this.runtime.app;
  }

  remaining(): number {
    const left = this.deadline - Date.now();
    return Math.max(left, 0);
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** Why the call was aborted, if it was. */
  get aborted(): WeftError | undefined {
    return this.abortReason;
  }

  get traceparent(): string {
    return formatTraceparent(this.trace);
  }

  get logger(): Logger {
    this.childLogger ??= this.runtime.logger.child({
      service: this.service,
      method: this.method,
      traceId: this.trace.traceId,
      spanId: this.trace.spanId,
    });
    return this.childLogger;
  }

  client<C extends AnyContract>(contract: C): Client<C> {
    return this.runtime.client(contract, this);
  }

  use<T>(key: ExtensionKey<T>): T {
    return this.runtime.use(key);
  }

  /** Aborts this call and every call made from it that is still running. Idempotent. */
  abort(reason: WeftError): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.abortListener?.callAborted(reason);
    if (this.abortListeners !== undefined)
      for (const listener of this.abortListeners) listener.callAborted(reason);
    this.child?.abort(reason);
    if (this.children !== undefined) for (const child of this.children) child.abort(reason);
  }

  /**
   * Tells `listener` when this call is aborted (see `whenAborted` in transport.ts). One slot for
   * the usual single listener: no AbortController, event listener or closure per call.
   */
  listen(listener: AbortListener): void {
    if (this.abortListener === undefined) this.abortListener = listener;
    else {
      this.abortListeners ??= [];
      this.abortListeners.push(listener);
    }
  }

  /** Stops telling `listener` (a finished call). */
  unlisten(listener: AbortListener): void {
    if (this.abortListener === listener) this.abortListener = undefined;
    else if (this.abortListeners !== undefined) {
      const at = this.abortListeners.indexOf(listener);
      if (at >= 0) this.abortListeners.splice(at, 1);
    }
  }

  /** Links a call made from this context, so aborting this one aborts it. */
  adopt(child: LiveContext): void {
    // One call at a time needs no Set (one allocation and two hash operations per call).
    if (this.child === undefined || this.child === child) this.child = child;
    else {
      this.children ??= new Set();
      this.children.add(child);
    }
  }

  /** Unlinks a finished child call. */
  release(child: LiveContext): void {
    if (this.child === child) this.child = undefined;
    else this.children?.delete(child);
  }
}

/**
 * Lets a transport report the bytes a call put on the wire (request and reply), for the call's
 * client span. Does nothing for contexts Weft did not make.
 */
export function notePayloadBytes(ctx: CallContext, bytes: number): void {
  const span = ctx instanceof LiveContext ? ctx.span : undefined;
  if (span !== undefined) span.bytes = (span.bytes ?? 0) + bytes;
}

/**
 * Adds member `name` to every call context Weft makes: how a subsystem gives handlers `ctx.tx`
 * (the store) or `ctx.publish` (the events) without core knowing them. Declare the member's type
 * in {@link ContextMembers} by declaration merging; `member` runs with the context as `this` and
 * usually reaches its subsystem with `this.use(key)`. Defining a name again replaces it.
 */
export function defineContextMember<K extends keyof ContextMembers>(
  name: K,
  member: ContextMembers[K],
): void {
  Object.defineProperty(LiveContext.prototype, name, {
    value: member,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
