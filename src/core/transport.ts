/**
 * The transport seam: how a call travels from a caller to a callee. The local transport (same
 * process) and the NATS transport implement it, and one conformance suite checks them all.
 */
import type { Codec } from "./codec.js";
import type { CallContext, Principal } from "./context.js";
import type { WeftError } from "./errors.js";
import type { Logger } from "./logger.js";

/** The call context as it travels: everything the callee needs to rebuild its context. */
export interface CallHeaders {
  readonly service: string;
  readonly method: string;
  /** Milliseconds the caller will still wait (never an absolute time: clocks skew). */
  readonly timeoutMs: number | undefined;
  /** W3C trace context of the call. */
  readonly traceparent: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** The caller's principal (remote transports carry it as a signed token). */
  readonly principal: Principal | undefined;
}

/** What a transport hands calls to: the app that serves them. */
export interface TransportHost {
  /** The app's name; remote transports namespace their subjects with it. */
  readonly app: string;
  readonly codec: Codec;
  /** Largest encoded input or output allowed, in bytes. */
  readonly maxPayload: number;
  readonly logger: Logger;
  /** Signs principals sent to other processes; undefined means principals are not sent. */
  readonly principalKey: string | undefined;
  /** Serves a call that arrived over a wire. Rejects with a Weft error. */
  accept(
    headers: CallHeaders,
    input: unknown,
    options?: {
      /** The transport took this call before its intake closed: serve it even while draining. */
      admitted?: boolean;
      /** Aborts the call (e.g. the caller's context in the same process). */
      signal?: AbortSignal;
      /**
       * Filled in with the function that aborts this call, for a transport that hears of a
       * cancellation later (cheaper than a `signal`: no AbortController per call).
       */
      cancel?: CancelHandle;
    },
  ): Promise<unknown>;
  /** Serves a call made in this process with its context object, skipping any encoding. */
  dispatch(ctx: CallContext, input: unknown): Promise<unknown>;
}

/** Moves calls between callers and callees. */
export interface Transport {
  /** Short name for logs and errors, e.g. `local` or `nats`. */
  readonly name: string;
  /** Starts serving these services of the host (may be called once per app start). */
  serve(host: TransportHost, services: readonly string[]): Promise<void>;
  /**
   * Sends one call described by the outgoing context. Resolves with the callee's output or rejects
   * with a Weft error (its `mayHaveRun` says whether the callee may have run).
   */
  call(ctx: CallContext, input: unknown): Promise<unknown>;
  /** Stops taking new calls; calls already accepted finish. */
  stopIntake(): Promise<void>;
  /** Releases connections and subscriptions. */
  close(): Promise<void>;
}

/** The headers of an outgoing call, as a transport sends them. */
export function callHeaders(ctx: CallContext): CallHeaders {
  const remaining = ctx.deadline === Number.POSITIVE_INFINITY ? undefined : ctx.remaining();
  return {
    service: ctx.service,
    method: ctx.method,
    timeoutMs: remaining,
    traceparent: ctx.traceparent,
    metadata: ctx.metadata,
    principal: ctx.principal,
  };
}

/** True when the call was made by a handler still running in this process (drain lets it in). */
export function isNestedCall(ctx: CallContext): boolean {
  return (ctx as { nested?: unknown }).nested === true;
}

/**
 * Handed to {@link TransportHost.accept}: while the call is served, `call` is what a cancellation
 * aborts (`handle.call?.abort(reason)`).
 */
export interface CancelHandle {
  call?: { abort(reason: WeftError): void } | undefined;
}
