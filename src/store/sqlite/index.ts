/**
 * The SQLite store (`weft/store/sqlite`), on better-sqlite3 12: WAL, `synchronous=FULL`,
 * `foreign_keys=ON`. One writer connection takes every transaction in turn through an async FIFO
 * queue (with group commit); a second connection serves autocommit reads, so reads never wait for
 * a writer. Several processes may share one file: the write lock is awaited without blocking the
 * event loop for more than a short busy_timeout slice, up to `busyTimeoutMs`.
 *
 * @example
 * ```ts
 * import { sql } from "weft/store";
 * import { createSqliteStore } from "weft/store/sqlite";
 *
 * const store = await createSqliteStore({ path: "data/shop.db" });
 * await store.migrate([{ version: 1, name: "orders", sql: "create table orders (id text primary key)" }]);
 * await store.transaction((tx) => tx.execute(sql`insert into orders (id) values (${"o-1"})`));
 * await store.close();
 * ```
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { failedPrecondition, invalidArgument } from "../../core/index.js";
import { loadDriver } from "../driver.js";
import { checkIsolation, checkNotTransactionControl, storeClosed } from "../errors.js";
import { InFlight } from "../in-flight.js";
import { runMigrations } from "../migrate.js";
import type { Connection } from "../scope.js";
import { renderSql, type SqlFragment } from "../sql.js";
import type { ExecuteResult, Row, Store } from "../types.js";
import { mapSqliteError } from "./errors.js";
import { StatementCache } from "./statements.js";
import { retryBusy, Writer } from "./writer.js";

/** Options of {@link createSqliteStore}. */
export interface SqliteStoreOptions {
  /** Database file; its folder is created if missing. `:memory:` is refused (two connections). */
  readonly path: string;
  /** How long to wait for another process's write lock before ABORTED `STORE_BUSY`. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Commit several queued transactions with one COMMIT (see docs/store.md). Default true. */
  readonly groupCommit?: boolean;
  /** Prepared statements kept per connection. Default 256. */
  readonly statementCacheSize?: number;
}

/** A store on one SQLite file. */
export interface SqliteStore extends Store {
  readonly dialect: "sqlite";
  /** The database file. */
  readonly path: string;
}

/** SQLite's own busy wait per attempt, in ms: the longest the event loop may block on a lock. */
export const BUSY_SLICE_MS = 10;

function open(Driver: typeof BetterSqlite3, path: string, timeoutMs: number) {
  try {
    const db = new Driver(path);
    db.pragma(`busy_timeout = ${Math.min(BUSY_SLICE_MS, timeoutMs)}`);
    return db;
  } catch (e) {
    throw mapSqliteError(e);
  }
}

function connectionOf(db: BetterSqlite3.Database, statements: StatementCache): Connection {
  return {
    all: (text, values) => statements.all(text, values),
    run: (text, values) => statements.run(text, values),
    exec: (text) => {
      try {
        db.exec(text);
      } catch (e) {
        throw mapSqliteError(e);
      }
    },
  };
}

/** Opens the writer (WAL, synchronous=FULL, foreign keys) and the reader connection. */
async function openConnections(Driver: typeof BetterSqlite3, path: string, busyTimeoutMs: number) {
  const db = open(Driver, path, busyTimeoutMs);
  try {
    const mode = await retryBusy(
      () => db.pragma("journal_mode = WAL", { simple: true }),
      busyTimeoutMs,
    );
    if (mode !== "wal") {
      throw failedPrecondition(
        "STORE_WAL_UNAVAILABLE",
        `SQLite could not switch ${path} to WAL mode (it stayed ${String(mode)}); use a local file system`,
      );
    }
    db.pragma("synchronous = FULL");
    db.pragma("foreign_keys = ON");
    const readerDb = open(Driver, path, busyTimeoutMs);
    readerDb.pragma("query_only = ON");
    return { db, readerDb };
  } catch (e) {
    db.close();
    throw mapSqliteError(e);
  }
}

/** Opens (creating if needed) a SQLite database file as a store. */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const { path, busyTimeoutMs = 5000, groupCommit = true, statementCacheSize = 256 } = options;
  if (typeof path !== "string" || path === "" || path === ":memory:" || path.startsWith("file:")) {
    throw invalidArgument(
      "STORE_INVALID_PATH",
      `SQLite store needs a file path (got ${JSON.stringify(path)}): :memory: and URIs are not supported`,
    );
  }
  const Driver = await loadDriver("better-sqlite3", "^12", () => import("better-sqlite3"));
  mkdirSync(dirname(path), { recursive: true });
  const { db, readerDb } = await openConnections(Driver, path, busyTimeoutMs);
  const statements = new StatementCache(db, statementCacheSize);
  const reads = new StatementCache(readerDb, statementCacheSize);
  const writer = new Writer({
    connection: connectionOf(db, statements),
    inTransaction: () => db.inTransaction,
    busyTimeoutMs,
    groupCommit,
  });
  const inFlight = new InFlight(); // autocommit reads and migrations (several queue turns)
  let closing: Promise<void> | undefined;

  const ensureOpen = () => {
    if (closing !== undefined) throw storeClosed();
  };
  const read = (text: string, values: unknown[]): Promise<Row[]> =>
    inFlight.track(() => retryBusy(() => reads.all(text, values), busyTimeoutMs));

  const store: SqliteStore = {
    dialect: "sqlite",
    path,
    async transaction(fn, txOptions) {
      ensureOpen();
      checkIsolation(txOptions?.isolation);
      return writer.enqueue((s) => fn(s.tx));
    },
    async query<R = Row>(statement: SqlFragment): Promise<R[]> {
      ensureOpen();
      const { text, values } = renderSql(statement, "sqlite");
      checkNotTransactionControl(text);
      if (reads.prepare(text).statement.readonly) return (await read(text, values)) as R[];
      return writer.enqueue((s) => s.tx.query<R>(statement));
    },
    async execute(statement: SqlFragment): Promise<ExecuteResult> {
      ensureOpen();
      return writer.enqueue((s) => s.tx.execute(statement));
    },
    async migrate(migrations, migrateOptions) {
      ensureOpen();
      const driver = { dialect: "sqlite" as const, lockedTransaction: writer.enqueue.bind(writer) };
      return inFlight.track(() => runMigrations(driver, migrations, migrateOptions));
    },
    close() {
      closing ??= (async () => {
        await inFlight.idle();
        await writer.idle();
        statements.clear();
        reads.clear();
        readerDb.close();
        db.close();
      })();
      return closing;
    },
  };
  return store satisfies Store;
}
