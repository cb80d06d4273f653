/**
 * Which call contexts have a `ctx.tx` open, counted on the context object itself (no ambient
 * state): `ctx.publish` and `workflows(ctx).start` refuse to run beside their own call's open
 * transaction (they would not be part of it), and a call made while its caller holds a
 * transaction may not open one of its own (it could never share the caller's).
 */
import type { CallContext } from "../core/index.js";

const OPEN = Symbol("weft.openTransactions");

interface Counted {
  [OPEN]?: number;
  readonly parent?: unknown;
}

/** How many `ctx.tx` transactions of this very call context are open now. */
export function openTransactions(ctx: CallContext): number {
  return (ctx as Counted)[OPEN] ?? 0;
}

/** Counts a transaction of `ctx` as open until the returned function is called. */
export function enterTransaction(ctx: CallContext): () => void {
  const counted = ctx as Counted;
  counted[OPEN] = (counted[OPEN] ?? 0) + 1;
  return () => {
    counted[OPEN] = (counted[OPEN] ?? 1) - 1;
  };
}

/** The nearest caller of `ctx` (its parent, grandparent, …) with a transaction open, if any. */
export function callerInTransaction(ctx: CallContext): CallContext | undefined {
  for (let p = (ctx as Counted).parent; p !== undefined; p = (p as Counted).parent) {
    if (((p as Counted)[OPEN] ?? 0) > 0) return p as CallContext;
  }
  return undefined;
}

/**
 * Who holds a transaction that `ctx`'s own work could not join: `ctx` itself or one of its
 * callers in this process. Undefined when none does.
 */
export function heldTransaction(ctx: CallContext): CallContext | undefined {
  return openTransactions(ctx) > 0 ? ctx : callerInTransaction(ctx);
}
