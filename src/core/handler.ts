/**
 * One call shape everywhere: a handler takes a call context and an input and resolves with an
 * output; middleware wraps a handler in another. The same shape serves the callee (server
 * middleware sees the incoming call) and the caller (client middleware sees the outgoing call).
 *
 * @example
 * ```ts
 * const timing: Middleware = (next) => async (ctx, input) => {
 *   const t0 = performance.now();
 *   try { return await next(ctx, input); }
 *   finally { ctx.logger.debug({ ms: performance.now() - t0 }, `${ctx.service}.${ctx.method}`); }
 * };
 * ```
 */
import type { CallContext } from "./context.js";

/** `(ctx, input) => Promise<output>`: the one call shape. */
export type Handler<I = unknown, O = unknown> = (ctx: CallContext, input: I) => Promise<O>;

/** Wraps a handler: `(next) => handler`. */
export type Middleware = (next: Handler) => Handler;

/**
 * Composes middleware: `chain(a, b, c)(h)` runs `a` outermost, then `b`, then `c`, then `h`.
 * With no middleware it returns the handler unchanged.
 */
export function chain(...middleware: readonly Middleware[]): Middleware {
  return (next) => {
    let handler = next;
    for (let i = middleware.length - 1; i >= 0; i--)
      handler = (middleware[i] as Middleware)(handler);
    return handler;
  };
}
