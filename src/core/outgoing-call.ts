/**
 * One call being made: it settles with the callee's answer, or earlier with DEADLINE_EXCEEDED at
 * the deadline or CANCELLED when the caller's signal aborts — and then aborts the call's context
 * so the callee (in this process) stops too. One object per call holds all of it.
 */

import { noteCallFailure } from "./call-failure.js";
import type { DeadlineEntry, DeadlineWheel } from "./deadline-wheel.js";
import { cancelled, deadlineExceeded, normalizeError, type WeftError } from "./errors.js";
import type { Handler } from "./handler.js";
import type { IntrusiveList, Linked } from "./intrusive-list.js";
import type { LiveContext } from "./live-context.js";
import { type CallObserver, reportSpan, TIME_ORIGIN } from "./observer.js";

/** The callee side of the runtime, for calls served by a plain function call. */
export interface DirectHost {
  begin(ctx: LiveContext, input: unknown): Promise<unknown>;
  /** `end`: when serving ended (`performance.now()`), if the caller already read the clock. */
  served(ctx: LiveContext, error?: WeftError, end?: number): void;
  failure(ctx: LiveContext, thrown: unknown): WeftError;
}

/** A call in flight, from the caller's side. */
export class OutgoingCall implements DeadlineEntry {
  prev: Linked | undefined = undefined;
  next: Linked | undefined = undefined;
  list: IntrusiveList<Linked> | undefined = undefined;
  private settled = false;
  private resolve!: (value: unknown) => void;
  private reject!: (error: WeftError) => void;
  private onAbort: (() => void) | undefined;
  private observer: CallObserver | undefined;
  /** Served directly: when the callee finished, read once for both spans. */
  private endedAt = 0;

  constructor(
    private readonly ctx: LiveContext,
    private readonly wheel: DeadlineWheel,
    private readonly signal: AbortSignal | undefined,
  ) {}

  get deadline(): number {
    return this.ctx.deadline;
  }

  /** Reports the call's client span to `observer` when it settles; call before running it. */
  observe(observer: CallObserver, remote: boolean): void {
    this.observer = observer;
    // Served directly, the same context also carries the callee's (server) span.
    this.ctx.span = { startedAt: performance.now(), kind: "server", remote, bytes: undefined };
  }

  /** Sends the call through `route` and returns the caller's promise. */
  run(route: Handler, input: unknown): Promise<unknown> {
    const promise = this.start();
    let sent: Promise<unknown>;
    try {
      sent = route(this.ctx, input);
    } catch (error) {
      sent = Promise.reject(error);
    }
    sent.then(
      (value) => this.succeed(value),
      (error: unknown) => this.settle(normalizeError(error)),
    );
    return promise;
  }

  /** Serves the call in this process by a plain function call and returns the caller's promise. */
  runDirect(host: DirectHost, input: unknown): Promise<unknown> {
    const promise = this.start();
    const ctx = this.ctx;
    let running: Promise<unknown>;
    try {
      running = host.begin(ctx, input);
    } catch (error) {
      this.settle(normalizeError(error));
      return promise;
    }
    running.then(
      (value) => {
        if (this.observer !== undefined) this.endedAt = performance.now();
        host.served(ctx, undefined, this.endedAt);
        this.succeed(value);
      },
      (error: unknown) => {
        const failure = host.failure(ctx, error);
        if (this.observer !== undefined) this.endedAt = performance.now();
        host.served(ctx, failure, this.endedAt);
        this.settle(failure);
      },
    );
    return promise;
  }

  private start(): Promise<unknown> {
    const promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.wheel.add(this);
    this.ctx.parent?.adopt(this.ctx);
    if (this.signal !== undefined) {
      this.onAbort = () =>
        this.fail(
          cancelled(
            "CALL_CANCELLED",
            `${this.ctx.service}.${this.ctx.method}: cancelled by the caller`,
            { mayHaveRun: true },
          ),
        );
      this.signal.addEventListener("abort", this.onAbort, { once: true });
    }
    return promise;
  }

  /** The deadline passed: answer the caller now and abort the call. */
  expire(): void {
    this.fail(
      deadlineExceeded(
        "DEADLINE_EXCEEDED",
        `${this.ctx.service}.${this.ctx.method}: no answer before the deadline`,
        { mayHaveRun: true },
      ),
    );
  }

  private succeed(value: unknown): void {
    if (this.settled) return;
    this.finish(undefined);
    this.resolve(value);
  }

  private settle(error: WeftError): void {
    if (this.settled) return;
    this.finish(error);
    this.reject(noteCallFailure(error, this.ctx));
  }

  private fail(error: WeftError): void {
    if (this.settled) return;
    this.finish(error);
    this.ctx.abort(error);
    this.reject(noteCallFailure(error, this.ctx));
  }

  private finish(error: WeftError | undefined): void {
    this.settled = true;
    this.wheel.remove(this);
    if (this.onAbort !== undefined) this.signal?.removeEventListener("abort", this.onAbort);
    const ctx = this.ctx;
    ctx.parent?.release(ctx);
    const span = ctx.span;
    if (this.observer !== undefined && span !== undefined) {
      const t = ctx.callTrace;
      reportSpan(this.observer, {
        kind: "client",
        app: ctx.app,
        service: ctx.service,
        method: ctx.method,
        traceId: t.traceId,
        spanId: t.spanId,
        parentSpanId: t.parentSpanId,
        caller: ctx.parent?.service,
        startTime: TIME_ORIGIN + span.startedAt,
        durationMs: (this.endedAt === 0 ? performance.now() : this.endedAt) - span.startedAt,
        error,
        remote: span.remote,
        bytes: span.bytes,
      });
    }
  }
}
