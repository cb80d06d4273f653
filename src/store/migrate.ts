/**
 * Applies migrations: one transaction per migration, each taking the migration lock first
 * (PostgreSQL: an advisory transaction lock; SQLite: `BEGIN IMMEDIATE`), then re-reading the
 * history under the lock. Concurrent migrators therefore apply each migration exactly once.
 */
import { isWeftError, WeftError } from "../core/index.js";
import {
  type AppliedMigration,
  MIGRATIONS_TABLE_DDL,
  type MigrateOptions,
  type Migration,
  type MigrationReport,
  type PlannedMigration,
  pendingMigrations,
  planMigrations,
} from "./migrations.js";
import type { TxScope } from "./scope.js";
import { sql } from "./sql.js";
import type { Dialect } from "./types.js";

/** What an adapter gives the migration runner. */
export interface MigrationDriver {
  readonly dialect: Dialect;
  /** Runs `fn` in a top-level transaction that holds this database's migration lock. */
  lockedTransaction<T>(fn: (scope: TxScope) => Promise<T>): Promise<T>;
}

async function history(scope: TxScope, name: string): Promise<AppliedMigration[]> {
  await scope.connection.exec(MIGRATIONS_TABLE_DDL);
  const rows = await scope.tx.query<{ version: number; name: string; checksum: string }>(
    sql`select version, name, checksum from weft_migrations where scope = ${name} order by version`,
  );
  return rows.map((r) => ({ version: Number(r.version), name: r.name, checksum: r.checksum }));
}

function failed(m: PlannedMigration, scope: string, error: unknown): unknown {
  if (isWeftError(error) && error.code !== "INTERNAL") return error;
  return new WeftError(
    "INTERNAL",
    "STORE_MIGRATION_FAILED",
    `migration ${m.version} (${m.name}) of scope ${scope} failed; nothing of it was applied`,
    { cause: error, metadata: { scope, version: String(m.version) } },
  );
}

/** Applies the pending migrations of one scope and reports what this call did. */
export async function runMigrations(
  driver: MigrationDriver,
  migrations: readonly Migration[],
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const scopeName = options.scope ?? "app";
  const planned = planMigrations(migrations, driver.dialect, scopeName);
  const applied: { version: number; name: string }[] = [];
  let from: number | undefined;
  let to = 0;
  for (;;) {
    const next = await driver.lockedTransaction(async (scope) => {
      const rows = await history(scope, scopeName);
      const current = rows.reduce((max, row) => Math.max(max, row.version), 0);
      from ??= current;
      to = current;
      const pending = pendingMigrations(planned, rows, scopeName)[0];
      if (pending === undefined) return undefined;
      try {
        await scope.connection.exec(pending.text);
      } catch (e) {
        throw failed(pending, scopeName, e);
      }
      await scope.tx.execute(sql`insert into weft_migrations (scope, version, name, checksum, applied_at)
        values (${scopeName}, ${pending.version}, ${pending.name}, ${pending.checksum}, ${new Date()})`);
      return pending;
    });
    if (next === undefined) break;
    applied.push({ version: next.version, name: next.name });
    to = next.version;
  }
  return { scope: scopeName, from: from ?? 0, to, applied };
}
