/**
 * The call path of one app: the caller side (deadline, cancellation, client middleware, routing to
 * a transport) and the callee side (intake control, server middleware, validation, error
 * normalization, in-flight tracking for drain).
 */
import { noteCallFailure, ownFailure } from "./call-failure.js";
import { type ClientTarget, makeClient, type RootScope } from "./client.js";
import type { Codec } from "./codec.js";
import { type CompiledService, compileService } from "./compile.js";
import type { CallContext, ExtensionKey, Principal, Transactor, TxHandle } from "./context.js";
import type { AnyContract, CallOptions, Client, ServiceImplementation } from "./contract.js";
import { type DeadlineEntry, DeadlineWheel } from "./deadline-wheel.js";
import { toMilliseconds } from "./duration.js";
import {
  cancelled,
  deadlineExceeded,
  failedPrecondition,
  isWeftError,
  normalizeError,
  saysWhetherItRan,
  unavailable,
  unimplemented,
  type WeftError,
} from "./errors.js";
import { chain, type Handler, type Middleware } from "./handler.js";
import { IntrusiveList } from "./intrusive-list.js";
import { type ContextRuntime, LiveContext } from "./live-context.js";
import type { Logger } from "./logger.js";
import { type CallObserver, reportSpan, TIME_ORIGIN } from "./observer.js";
import { OutgoingCall } from "./outgoing-call.js";
import type { CallHeaders, Transport, TransportHost } from "./transport.js";

/** Whether the app takes calls. */
export type Intake = "closed" | "open" | "draining";

/** Options of `Runtime.perform` (and `app.perform`). */
export interface PerformOptions {
  /** Time limit of the work. Default: the app's call timeout. */
  readonly timeoutMs?: number;
  /** Continue this trace. */
  readonly traceparent?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly principal?: Principal;
  /** The work was accepted before the app began draining: run it while draining. */
  readonly admitted?: boolean;
}

/** Everything the call path needs, fixed at start. */
export interface RuntimeOptions {
  readonly app: string;
  readonly logger: Logger;
  readonly codec: Codec;
  readonly maxPayload: number;
  readonly principalKey: string | undefined;
  readonly callTimeoutMs: number;
  /** Longest deadline of a call made or served: longer ones are cut to it. */
  readonly maxCallTimeoutMs: number;
  readonly validateOutput: boolean;
  /** Implementations of the services this process runs. */
  readonly local: readonly ServiceImplementation[];
  readonly localTransport: Transport;
  /** Local calls are plain function calls (not serialized). */
  readonly directLocal: boolean;
  /** Transport to services of other groups; undefined in one process. */
  readonly remoteTransport: Transport | undefined;
  readonly serverMiddleware: readonly Middleware[];
  /** Finds what extensions provide (see `ctx.use`). */
  readonly provided: (key: ExtensionKey<unknown>) => unknown;
  /** Runs `ctx.tx`; undefined when the app has no store. */
  readonly transactor: Transactor | undefined;
  /** Client middleware on every outgoing call. */
  readonly clientMiddleware: readonly Middleware[];
  /**
   * Client middleware on calls that leave the process only (retries, circuit breaking): a call
   * inside the process cannot fail for network reasons.
   */
  readonly remoteMiddleware: readonly Middleware[];
  /** Told about every span (calls made and served, work performed). Default none. */
  readonly observer?: CallObserver | undefined;
}

/** The call path of one app. */
export class Runtime implements ContextRuntime, ClientTarget, TransportHost {
  readonly app: string;
  readonly logger: Logger;
  readonly codec: Codec;
  readonly maxPayload: number;
  readonly principalKey: string | undefined;
  intake: Intake = "closed";
  /** Calls being served now. */
  readonly inflight = new IntrusiveList<LiveContext>();
  /** Deadlines of calls made and of calls served from a wire. */
  readonly deadlines = new DeadlineWheel();
  private onIdle: (() => void) | undefined;
  private readonly services = new Map<string, CompiledService>();
  private readonly routes = new Map<string, Handler>();
  /** Local services called by plain function call (no serialization, no client middleware). */
  private readonly direct = new Set<string>();
  private readonly observer: CallObserver | undefined;
  /**
   * Depth of calls being handed to the local transport right now. The local transport serves a
   * call synchronously inside `call()`, so `accept` seeing 0 knows the call came over a wire.
   */
  private localSends = 0;

  constructor(private readonly options: RuntimeOptions) {
    this.app = options.app;
    this.logger = options.logger;
    this.codec = options.codec;
    this.maxPayload = options.maxPayload;
    this.principalKey = options.principalKey;
    this.observer = options.observer;
    for (const impl of options.local) {
      this.services.set(
        impl.contract.name,
        compileService(impl, options.serverMiddleware, options.validateOutput),
      );
      if (options.directLocal && options.clientMiddleware.length === 0) {
        this.direct.add(impl.contract.name);
      }
    }
  }

  client<C extends AnyContract>(
    contract: C,
    parent: LiveContext | undefined,
    scope?: RootScope,
  ): Client<C> {
    return makeClient(contract, this, parent, scope);
  }

  transact<T>(ctx: CallContext, fn: (tx: TxHandle) => Promise<T>): Promise<T> {
    const transactor = this.options.transactor;
    if (transactor === undefined) {
      return Promise.reject(
        failedPrecondition(
          "NO_STORE",
          `app ${this.app} has no store: ctx.tx needs \`store: true\` or workflows in defineApp`,
        ),
      );
    }
    return transactor(ctx, fn);
  }

  use<T>(key: ExtensionKey<T>): T {
    const value = this.options.provided(key);
    if (value === undefined) {
      throw failedPrecondition(
        "EXTENSION_MISSING",
        `app ${this.app} provides no ${key.name} (is it configured in defineApp?)`,
        { metadata: { key: key.name } },
      );
    }
    return value as T;
  }

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  invoke(
    parent: LiveContext | undefined,
    scope: RootScope | undefined,
    service: string,
    method: string,
    idempotent: boolean,
    input: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const now = Date.now();
    let deadline = parent === undefined ? Number.POSITIVE_INFINITY : parent.deadline;
    let timeout = this.options.callTimeoutMs;
    if (options?.timeout !== undefined) {
      try {
        timeout = toMilliseconds(options.timeout, "timeout");
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (timeout > this.options.maxCallTimeoutMs) timeout = this.options.maxCallTimeoutMs;
    if (now + timeout < deadline) deadline = now + timeout;
    const base = parent === undefined ? (scope?.metadata ?? {}) : parent.metadata;
    const metadata = options?.metadata === undefined ? base : { ...base, ...options.metadata };
    const ctx = new LiveContext(
      this,
      service,
      method,
      idempotent,
      deadline,
      metadata,
      parent === undefined ? scope?.principal : parent.principal,
      parent === undefined ? scope?.traceparent : undefined,
      parent,
      parent !== undefined || scope?.admitted === true,
    );
    if (deadline <= now) {
      return this.unsent(
        ctx,
        deadlineExceeded(
          "DEADLINE_EXCEEDED",
          `${service}.${method}: the deadline passed before the call was sent`,
        ),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      return this.unsent(
        ctx,
        cancelled("CALL_CANCELLED", `${service}.${method}: cancelled before it was sent`),
      );
    }
    if (parent?.aborted !== undefined) return this.unsent(ctx, parent.aborted);
    const call = new OutgoingCall(ctx, this.deadlines, signal);
    // A plain in-process call with no client middleware skips the transport layer entirely.
    if (this.direct.has(service)) {
      ctx.direct = true;
      if (this.observer !== undefined) call.observe(this.observer, false);
      return call.runDirect(this, input);
    }
    if (this.observer !== undefined) call.observe(this.observer, !this.services.has(service));
    return call.run(this.route(service), input);
  }

  /** A call refused before it was sent: its client span (zero long) records why. */
  private unsent(ctx: LiveContext, error: WeftError): Promise<never> {
    if (this.observer !== undefined) {
      const t = ctx.callTrace;
      reportSpan(this.observer, {
        kind: "client",
        app: this.app,
        service: ctx.service,
        method: ctx.method,
        traceId: t.traceId,
        spanId: t.spanId,
        parentSpanId: t.parentSpanId,
        caller: ctx.parent?.service,
        startTime: TIME_ORIGIN + performance.now(),
        durationMs: 0,
        error,
        remote: false,
        bytes: undefined,
      });
    }
    return Promise.reject(noteCallFailure(error, ctx));
  }

  private route(service: string): Handler {
    let route = this.routes.get(service);
    if (route !== undefined) return route;
    const local = this.services.has(service);
    const transport = local ? this.options.localTransport : this.options.remoteTransport;
    const send: Handler =
      transport === undefined
        ? () =>
            Promise.reject(
              unavailable(
                "NO_RESPONDERS",
                `service ${service} does not run in this process and no remote transport is configured`,
                { metadata: { service } },
              ),
            )
        : local
          ? (ctx, input) => {
              this.localSends += 1;
              try {
                return transport.call(ctx, input);
              } finally {
                this.localSends -= 1;
              }
            }
          : (ctx, input) => transport.call(ctx, input);
    const middleware = local
      ? this.options.clientMiddleware
      : [...this.options.remoteMiddleware, ...this.options.clientMiddleware];
    route = chain(...middleware)(send);
    this.routes.set(service, route);
    return route;
  }

  accept(
    headers: CallHeaders,
    input: unknown,
    options: { admitted?: boolean; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const now = Date.now();
    // A caller that sent no deadline (a plain message from another client) gets the default;
    // none gets more than the maximum; a deadline already gone is not served at all.
    let timeoutMs = headers.timeoutMs ?? this.options.callTimeoutMs;
    if (!(timeoutMs > 0)) {
      return Promise.reject(
        deadlineExceeded(
          "DEADLINE_EXCEEDED",
          `${headers.service}.${headers.method}: the caller's deadline had passed when the call arrived`,
          { mayHaveRun: false },
        ),
      );
    }
    if (timeoutMs > this.options.maxCallTimeoutMs) timeoutMs = this.options.maxCallTimeoutMs;
    const deadline = now + timeoutMs;
    const ctx = new LiveContext(
      this,
      headers.service,
      headers.method,
      this.services.get(headers.service)?.idempotent.has(headers.method) ?? false,
      deadline,
      headers.metadata,
      headers.principal,
      headers.traceparent,
      undefined,
      options.admitted === true,
    );
    if (this.observer !== undefined) {
      ctx.span = {
        startedAt: performance.now(),
        kind: "server",
        remote: this.localSends === 0,
        bytes: undefined,
      };
    }
    // The caller's timer is in another context or process: abort at the deadline here too.
    const entry: DeadlineEntry = {
      deadline,
      prev: undefined,
      next: undefined,
      list: undefined,
      expire: () =>
        ctx.abort(
          deadlineExceeded("DEADLINE_EXCEEDED", `${ctx.service}.${ctx.method}: deadline passed`),
        ),
    };
    this.deadlines.add(entry);
    const signal = options.signal;
    const onAbort = () => ctx.abort(normalizeError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    return this.serve(ctx, input).finally(() => {
      this.deadlines.remove(entry);
      signal?.removeEventListener("abort", onAbort);
    });
  }

  /**
   * Runs work that belongs to a local service but is not a method call (an event handler) as a
   * served call: refused when intake is closed (or draining, unless `admitted`), counted in
   * flight for drain, aborted at its deadline, with a full context for `fn`.
   */
  perform<T>(
    service: string,
    operation: string,
    fn: (ctx: CallContext) => Promise<T>,
    options: PerformOptions = {},
  ): Promise<T> {
    if (this.intake !== "open" && !(this.intake === "draining" && options.admitted === true)) {
      return Promise.reject(
        unavailable(
          this.intake === "draining" ? "DRAINING" : "NOT_RUNNING",
          `app ${this.app} is ${this.intake === "draining" ? "shutting down" : "not running"}; ${service} ${operation} was not run`,
        ),
      );
    }
    const deadline = Date.now() + (options.timeoutMs ?? this.options.callTimeoutMs);
    const ctx = new LiveContext(
      this,
      service,
      operation,
      false,
      deadline,
      options.metadata ?? {},
      options.principal,
      options.traceparent,
      undefined,
      options.admitted === true,
    );
    ctx.ran = true;
    if (this.observer !== undefined) {
      ctx.span = {
        startedAt: performance.now(),
        kind: "internal",
        remote: false,
        bytes: undefined,
      };
    }
    const entry: DeadlineEntry = {
      deadline,
      prev: undefined,
      next: undefined,
      list: undefined,
      expire: () =>
        ctx.abort(
          deadlineExceeded("DEADLINE_EXCEEDED", `${service} ${operation}: deadline passed`),
        ),
    };
    this.deadlines.add(entry);
    this.inflight.add(ctx);
    let running: Promise<T>;
    try {
      running = fn(ctx);
    } catch (thrown) {
      running = Promise.reject(thrown);
    }
    return running.then(
      (value) => {
        this.deadlines.remove(entry);
        this.served(ctx);
        return value;
      },
      (thrown: unknown) => {
        this.deadlines.remove(entry);
        this.served(ctx, this.observer === undefined ? undefined : normalizeError(thrown));
        throw thrown;
      },
    );
  }

  /**
   * Serves a call made in this process whose caller's context went through client middleware and
   * the local transport: the callee gets its own context (and span), a child of the caller's.
   */
  dispatch(ctx: CallContext, input: unknown): Promise<unknown> {
    const caller = ctx as LiveContext;
    const callee = new LiveContext(
      this,
      caller.service,
      caller.method,
      caller.idempotent,
      caller.deadline,
      caller.metadata,
      caller.principal,
      undefined,
      caller,
      caller.nested,
    );
    if (this.observer !== undefined) {
      callee.span = {
        startedAt: performance.now(),
        kind: "server",
        remote: false,
        bytes: undefined,
      };
    }
    // Aborting the call (deadline, cancellation, shutdown) aborts the callee's context too.
    caller.adopt(callee);
    if (caller.aborted !== undefined) callee.abort(caller.aborted);
    return this.serve(callee, input).finally(() => caller.release(callee));
  }

  /** Serves a call with its callee's context; served and failed calls are accounted for. */
  private serve(live: LiveContext, input: unknown): Promise<unknown> {
    let running: Promise<unknown>;
    try {
      running = this.begin(live, input);
    } catch (thrown) {
      return Promise.reject(thrown);
    }
    return running.then(
      (output) => {
        this.served(live);
        return output;
      },
      (thrown: unknown) => {
        const error = this.failure(live, thrown);
        this.served(live, error);
        throw error;
      },
    );
  }

  /**
   * Starts serving a call: intake check, method lookup, in-flight registration, then the method.
   * Throws (synchronously) when the call is refused before it is registered; once registered,
   * the caller must call `served` and map errors with `failure`.
   */
  begin(live: LiveContext, input: unknown): Promise<unknown> {
    if (this.intake !== "open" && !(this.intake === "draining" && live.nested)) {
      throw unavailable(
        this.intake === "draining" ? "DRAINING" : "NOT_RUNNING",
        `app ${this.app} is ${this.intake === "draining" ? "shutting down" : "not running"}; ${live.service}.${live.method} was not run`,
      );
    }
    const handler = this.services.get(live.service)?.handlers.get(live.method);
    if (handler === undefined) {
      throw this.services.has(live.service)
        ? unimplemented("UNKNOWN_METHOD", `service ${live.service} has no method ${live.method}`)
        : unavailable("NO_RESPONDERS", `service ${live.service} does not run in this process`);
    }
    this.inflight.add(live);
    try {
      return handler(live, input);
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  }

  /**
   * A served call (or performed work) finished, failing with `error` if given: forget it, record
   * its span (ending at `end`, a `performance.now()` reading, or now), and wake a drain waiting
   * for the last one.
   */
  served(live: LiveContext, error?: WeftError, end?: number): void {
    const span = live.span;
    if (this.observer !== undefined && span !== undefined) {
      const t = live.trace;
      reportSpan(this.observer, {
        kind: span.kind,
        app: this.app,
        service: live.service,
        method: live.method,
        traceId: t.traceId,
        spanId: t.spanId,
        parentSpanId: t.parentSpanId,
        caller: undefined,
        startTime: TIME_ORIGIN + span.startedAt,
        durationMs: (end || performance.now()) - span.startedAt,
        error,
        remote: span.remote,
        bytes: undefined,
      });
    }
    if (this.inflight.remove(live) && this.inflight.size === 0 && this.onIdle !== undefined) {
      const resolve = this.onIdle;
      this.onIdle = undefined;
      resolve();
    }
  }

  /** Logs what callers must not see, and returns the error they get. */
  failure(live: LiveContext, thrown: unknown): WeftError {
    if (!isWeftError(thrown) || thrown.cause !== undefined) {
      live.logger.error(
        { err: isWeftError(thrown) ? thrown.cause : thrown },
        `${live.service}.${live.method} failed`,
      );
    }
    const error = ownFailure(normalizeError(thrown), live);
    // The method's code ran (at least partly): whatever it threw, the caller cannot assume
    // nothing happened. Errors raised before it ran (validation, intake) keep mayHaveRun false.
    // A handler that knows it refused before any effect may say so with `mayHaveRun: false`.
    return live.ran && !error.mayHaveRun && !saysWhetherItRan(error)
      ? error.with({ mayHaveRun: true })
      : error;
  }
}
