/**
 * The store seam: a handful of methods every adapter implements (`satisfies Store`). The workflow
 * engine, the outbox/inbox and idempotency keys are built on it, and `ctx.tx(fn)` hands its `Tx`
 * to services for their own tables.
 */
import type { MigrateOptions, Migration, MigrationReport } from "./migrations.js";
import type { SqlFragment } from "./sql.js";

/** Which SQL dialect a store speaks. */
export type Dialect = "sqlite" | "postgres";

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
}

/**
 * Isolation of a transaction. PostgreSQL honours it; SQLite transactions are always serializable
 * (one writer at a time), so every level is met there.
 */
export type Isolation = "read committed" | "repeatable read" | "serializable";

/** Options of {@link Store.transaction}. */
export interface TransactionOptions {
  /** Isolation level. Default `read committed` (PostgreSQL's default). Ignored when nested. */
  readonly isolation?: Isolation;
}

/** A durable store: transactions, autocommit statements, migrations, close. */
export interface Store extends Queryable {
  /** The SQL dialect, for the few statements that must differ. */
  readonly dialect: Dialect;
  /**
   * Runs `fn` in a transaction: commits when it resolves, rolls back when it throws (and rethrows).
   * Called inside another transaction of this store (same async context) it runs in a savepoint
   * of that transaction instead. Not retried: a retryable error (ABORTED) is the caller's to retry.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * True when called inside one of this store's transactions (same async context): statements
   * run now join it. Background work started from here must not inherit that context.
   */
  inTransaction(): boolean;
  /** Applies pending migrations of one scope, each once, in its own transaction, race-free. */
  migrate(migrations: readonly Migration[], options?: MigrateOptions): Promise<MigrationReport>;
  /** Refuses new work, waits for running and queued transactions, then closes connections. */
  close(): Promise<void>;
}
