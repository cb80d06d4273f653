/**
 * The store seam: a handful of methods every adapter implements (`satisfies Store`). The workflow
 * engine, the outbox/inbox and idempotency keys are built on it, and `ctx.tx(fn)` hands its `Tx`
 * to services for their own tables. What joins a transaction is explicit: statements run through
 * its `Tx`, nothing else (no ambient transaction).
 */

import type { Dialect } from "./dialect.js";
import type { MigrateOptions, Migration, MigrationReport } from "./migrations.js";
import type { SqlFragment } from "./sql.js";

export type { Dialect } from "./dialect.js";

/** One result row: column name to decoded value (see docs/store.md for the value mapping). */
export type Row = Record<string, unknown>;

/** What a statement run by `execute` changed. */
export interface ExecuteResult {
  /** Rows inserted, updated or deleted (for other statements, what the driver reports, or 0). */
  readonly rowCount: number;
}

/** Runs SQL fragments built with the {@link sql} tag. */
export interface Queryable {
  /** Runs a statement and returns its rows (`[]` for a statement that returns none). */
  query<R = Row>(statement: SqlFragment): Promise<R[]>;
  /** Runs a statement for its effect and returns how many rows it changed. */
  execute(statement: SqlFragment): Promise<ExecuteResult>;
}

/** A SQL handle inside an open transaction; it refuses every call once the transaction ended. */
export interface Tx extends Queryable {
  /** The dialect of the store the transaction belongs to. */
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a savepoint of this transaction: when `fn` throws, its writes roll back alone
   * (and the error is rethrown); otherwise they commit or roll back with this transaction.
   * Savepoints of one handle take turns.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

/**
 * Isolation of a transaction. PostgreSQL honours it; SQLite transactions are always serializable
 * (one writer at a time), so every level is met there.
 */
export type Isolation = "read committed" | "repeatable read" | "serializable";

/** Options of {@link Store.transaction}. */
export interface TransactionOptions {
  /** Isolation level. Default `read committed` (PostgreSQL's default). */
  readonly isolation?: Isolation;
}

/** A durable store: transactions, autocommit statements, migrations, close. */
export interface Store extends Queryable {
  /** The SQL dialect, for the few statements that must differ. */
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a new top-level transaction: commits when it resolves, rolls back when it throws
   * (and rethrows). It never joins a transaction already open: only statements run through `tx`
   * belong to it (nest with `tx.transaction(fn)`). Not retried: a retryable error (ABORTED) is
   * the caller's to retry.
   *
   * On SQLite one transaction is open at a time: one started while another is open waits for its
   * turn, so awaiting `store.transaction` (or `store.execute`, a write) inside another
   * transaction's `fn` deadlocks. Use `tx` there.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Applies pending migrations of one scope, each once, in its own transaction, race-free (on
   * SQLite, not from inside a transaction's `fn`: it would wait for that transaction).
   */
  migrate(migrations: readonly Migration[], options?: MigrateOptions): Promise<MigrationReport>;
  /** Refuses new work, waits for running and queued transactions, then closes connections. */
  close(): Promise<void>;
}
