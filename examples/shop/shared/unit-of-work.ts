/**
 * How a service reaches its repository: one unit of work per use. On the app's store that is one
 * `ctx.tx` transaction, so what `fn` reads and writes commits or rolls back together (and a
 * thrown error rolls it back); on an in-memory repo (unit tests) it is a plain call.
 *
 * Never call another service inside `fn`: a transaction cannot span a call (split across
 * processes it could not), and on SQLite it would hold the single writer meanwhile.
 *
 * @example
 * ```ts
 * const carts = inStore(createSqlCartRepo);
 * const items = await carts(ctx, (repo) => repo.add(userId, item));
 * ```
 */
import type { CallContext, TxHandle } from "weft";

/** Runs `fn` with a service's repo as one unit of work and returns what `fn` returned. */
export type UnitOfWork<R> = <T>(ctx: CallContext, fn: (repo: R) => Promise<T>) => Promise<T>;

/** Units of work on the app's store: `fn` gets the repo `open` makes on a `ctx.tx` transaction. */
export function inStore<R>(open: (tx: TxHandle) => R): UnitOfWork<R> {
  return (ctx, fn) => ctx.tx((tx) => fn(open(tx)));
}

/** Units of work on one in-memory repo (no transaction: for unit tests and fakes). */
export function inMemory<R>(repo: R): UnitOfWork<R> {
  return (_ctx, fn) => fn(repo);
}
