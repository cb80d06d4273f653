/**
 * The callee side of one app's call path: intake control, method lookup, server middleware (in the
 * compiled handlers), error normalization, spans of served calls, and in-flight tracking for drain.
 * {@link Runtime} adds the caller side on top.
 */
import { ownFailure } from "./call-failure.js";
import type { Codec } from "./codec.js";
import { type CompiledService, compileService } from "./compile.js";
import type { CallContext, ExtensionKey } from "./context.js";
import type { AnyContract, Client } from "./contract.js";
import { type DeadlineEntry, DeadlineWheel } from "./deadline-wheel.js";
import {
  deadlineExceeded,
  isWeftError,
  normalizeError,
  saysWhetherItRan,
  unavailable,
  unimplemented,
  type WeftError,
} from "./errors.js";
import { IntrusiveList } from "./intrusive-list.js";
import { type ContextRuntime, LiveContext } from "./live-context.js";
import type { Logger } from "./logger.js";
import { type CallObserver, reportSpan, TIME_ORIGIN } from "./observer.js";
import type { DirectHost } from "./outgoing-call.js";
import type { Intake, RuntimeOptions } from "./runtime-options.js";
import type { CallHeaders, CancelHandle, TransportHost } from "./transport.js";

/** The serving side of the call path of one app (see {@link Runtime} for the whole). */
export abstract class ServingRuntime implements ContextRuntime, TransportHost, DirectHost {
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
  protected readonly services = new Map<string, CompiledService>();
  /** Local services called by plain function call (no serialization, no client middleware). */
  protected readonly direct = new Set<string>();
  protected readonly observer: CallObserver | undefined;
  /**
   * Depth of calls being handed to the local transport right now. The local transport serves a
   * call synchronously inside `call()`, so `accept` seeing 0 knows the call came over a wire.
   */
  protected localSends = 0;

  constructor(protected readonly options: RuntimeOptions) {
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

  abstract client<C extends AnyContract>(contract: C, parent: LiveContext): Client<C>;

  abstract use<T>(key: ExtensionKey<T>): T;

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  /** Aborts `ctx` with DEADLINE_EXCEEDED naming `what` when its deadline passes; remove when done. */
  protected watchDeadline(ctx: LiveContext, what: string): DeadlineEntry {
    const entry: DeadlineEntry = {
      deadline: ctx.deadline,
      prev: undefined,
      next: undefined,
      list: undefined,
      expire: () => ctx.abort(deadlineExceeded("DEADLINE_EXCEEDED", `${what}: deadline passed`)),
    };
    this.deadlines.add(entry);
    return entry;
  }

  accept(
    headers: CallHeaders,
    input: unknown,
    options: { admitted?: boolean; signal?: AbortSignal; cancel?: CancelHandle } = {},
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
    const ctx = new LiveContext(this, {
      service: headers.service,
      method: headers.method,
      idempotent: this.services.get(headers.service)?.idempotent.has(headers.method) ?? false,
      deadline,
      metadata: headers.metadata,
      principal: headers.principal,
      traceparent: headers.traceparent,
      nested: options.admitted === true,
    });
    if (this.observer !== undefined) {
      ctx.span = {
        startedAt: performance.now(),
        kind: "server",
        remote: this.localSends === 0,
        bytes: undefined,
      };
    }
    // The caller's timer is in another context or process: abort at the deadline here too.
    const entry = this.watchDeadline(ctx, `${ctx.service}.${ctx.method}`);
    const signal = options.signal;
    const onAbort = () => ctx.abort(normalizeError(signal?.reason));
    signal?.addEventListener("abort", onAbort, { once: true });
    const cancel = options.cancel;
    if (cancel !== undefined) cancel.call = ctx;
    return this.serve(ctx, input).finally(() => {
      this.deadlines.remove(entry);
      signal?.removeEventListener("abort", onAbort);
      if (cancel !== undefined) cancel.call = undefined;
    });
  }

  /**
   * Serves a call made in this process whose caller's context went through client middleware and
   * the local transport: the callee gets its own context (and span), a child of the caller's.
   */
  dispatch(ctx: CallContext, input: unknown): Promise<unknown> {
    const caller = ctx as LiveContext;
    const callee = new LiveContext(this, {
      service: caller.service,
      method: caller.method,
      idempotent: caller.idempotent,
      deadline: caller.deadline,
      metadata: caller.metadata,
      principal: caller.principal,
      parent: caller,
      nested: caller.nested,
    });
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
