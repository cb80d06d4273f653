/**
 * Hearing of a call's abort (cancelled, deadline passed, shutdown) cheaply: transports do it on
 * every call, so on Weft's own contexts it costs no AbortController, event listener or closure.
 */
import type { CallContext } from "./context.js";
import { type AbortListener, LiveContext } from "./live-context.js";

export type { AbortListener } from "./live-context.js";

const signalHandlers = new WeakMap<AbortListener, () => void>();

/**
 * Tells `listener` once when the call of `ctx` is aborted (cancelled, deadline passed, shutdown),
 * until {@link stopWhenAborted}. For Weft's own contexts this costs no AbortController, event
 * listener or closure (transports call it on every call); any other context falls back to its
 * `signal`. Not called for a context already aborted: check {@link abortReason} first.
 */
export function whenAborted(ctx: CallContext, listener: AbortListener): void {
  if (ctx instanceof LiveContext) {
    ctx.listen(listener);
    return;
  }
  const signal = ctx.signal;
  const onAbort = () => listener.callAborted(signal.reason);
  signalHandlers.set(listener, onAbort);
  signal.addEventListener("abort", onAbort, { once: true });
}

/** Stops what {@link whenAborted} started. */
export function stopWhenAborted(ctx: CallContext, listener: AbortListener): void {
  if (ctx instanceof LiveContext) {
    ctx.unlisten(listener);
    return;
  }
  const onAbort = signalHandlers.get(listener);
  if (onAbort !== undefined) ctx.signal.removeEventListener("abort", onAbort);
}

/** Why the call of `ctx` was aborted, or undefined while it runs (without touching its signal). */
export function abortReason(ctx: CallContext): unknown {
  if (ctx instanceof LiveContext) return ctx.aborted;
  return ctx.signal.aborted ? ctx.signal.reason : undefined;
}
