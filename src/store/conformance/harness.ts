/** What the conformance suite needs from an adapter, and helpers its tests share. */
import { expect } from "vitest";
import { isWeftError, type WeftError } from "../../core/index.js";
import { sql } from "../sql.js";
import type { Dialect, Store } from "../types.js";

/** A fresh database for one test. */
export interface StoreHarness {
  /** A store on a fresh, empty database (file or schema). */
  readonly store: Store;
  /** Opens another store on the same database (as a second process would); cleanup closes it. */
  open(): Promise<Store>;
  /** Closes every store opened and removes the database. */
  cleanup(): Promise<void>;
}

/** The harness of the running test. */
export type Harness = () => StoreHarness;

export { expectWeftError } from "../../testing/expect-weft-error.js";

/** Like `expectWeftError` for a function that throws synchronously. */
export function expectThrowsWeft(fn: () => unknown, code: string, reason?: string): WeftError {
  try {
    fn();
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    const weft = e as WeftError;
    expect(weft.code).toBe(code);
    if (reason !== undefined) expect(weft.reason).toBe(reason);
    return weft;
  }
  throw new Error("expected a Weft error, nothing was thrown");
}

/** Creates the `items` table (`id` primary key, `name` unique, `n` integer) used by many tests. */
export async function createItems(store: Store): Promise<void> {
  await store.execute(
    sql`create table items (id integer primary key, name text not null unique, n integer not null default 0)`,
  );
}

/** Number of rows in `table` (a fixed test table name). */
export async function countRows(store: Store, table: string): Promise<number> {
  const [row] = await store.query<{ c: number }>(
    sql`select count(*) as c from ${sql.ident(table)}`,
  );
  return Number(row?.c);
}

/** Retries `fn` while it fails with ABORTED (conflicts), as a caller of the store would. */
export async function retryAborted<T>(fn: () => Promise<T>, attempts = 200): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (!isWeftError(e) || e.code !== "ABORTED" || i >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * 5 * Math.min(i, 10)));
    }
  }
}

/** SQL for a dialect from a pair. */
export function byDialect(dialect: Dialect, choices: Record<Dialect, string>): string {
  return choices[dialect];
}
