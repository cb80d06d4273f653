/**
 * Versioned migrations: an ordered list per scope, recorded in `weft_migrations` with a checksum.
 * This file checks a list and a database's history against each other; `migrate.ts` applies them.
 */
import { createHash } from "node:crypto";
import { failedPrecondition, invalidArgument } from "../core/index.js";
import type { Dialect } from "./dialect.js";
import { assertIdentifier } from "./sql.js";

/**
 * One migration. Give `sql` for both dialects, or `sqlite` and `postgres` (each overrides `sql`
 * for its dialect). The text may hold several statements; it runs in one transaction, so
 * statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`) are not supported.
 */
export interface Migration {
  /** Positive integer; versions strictly increase along the list. */
  readonly version: number;
  /** Short name, recorded and shown in errors. */
  readonly name: string;
  /** SQL for both dialects. */
  readonly sql?: string;
  /** SQL for SQLite (overrides `sql`). */
  readonly sqlite?: string;
  /** SQL for PostgreSQL (overrides `sql`). */
  readonly postgres?: string;
}

/** Options of `store.migrate`. */
export interface MigrateOptions {
  /** Which list this is: each scope has its own version sequence. Default `"app"`. */
  readonly scope?: string;
}

/** What `store.migrate` did. */
export interface MigrationReport {
  readonly scope: string;
  /** Version before (0 for none). */
  readonly from: number;
  /** Version after. */
  readonly to: number;
  /** Migrations this call applied, in order (others may have been applied by a concurrent call). */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
}

/** A migration resolved for one dialect. */
export interface PlannedMigration {
  readonly version: number;
  readonly name: string;
  readonly text: string;
  readonly checksum: string;
}

/** A row of `weft_migrations`. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
  readonly checksum: string;
}

/** The bookkeeping table, valid in both dialects. */
export const MIGRATIONS_TABLE_DDL = `create table if not exists weft_migrations (
  scope text not null,
  version integer not null,
  name text not null,
  checksum text not null,
  applied_at text not null,
  primary key (scope, version)
)`;

/** SHA-256 of the migration text (line endings normalized, outer whitespace trimmed). */
export function checksumOf(text: string): string {
  return createHash("sha256").update(text.replace(/\r\n/g, "\n").trim()).digest("hex");
}

/** Checks a list and resolves it for `dialect`; throws INVALID_ARGUMENT naming the bad entry. */
export function planMigrations(
  migrations: readonly Migration[],
  dialect: Dialect,
  scope: string,
): PlannedMigration[] {
  assertIdentifier(scope, "migration scope");
  let previous = 0;
  return migrations.map((m, i) => {
    const where = `migration #${i} (${JSON.stringify(m?.name)}) of scope ${scope}`;
    if (!Number.isSafeInteger(m?.version) || m.version <= previous) {
      throw invalidArgument(
        "STORE_MIGRATION_INVALID",
        `${where}: version ${m?.version} must be an integer greater than ${previous}`,
      );
    }
    if (typeof m.name !== "string" || m.name.trim() === "") {
      throw invalidArgument("STORE_MIGRATION_INVALID", `${where}: a name is required`);
    }
    const text = m[dialect] ?? m.sql;
    if (typeof text !== "string" || text.trim() === "") {
      throw invalidArgument("STORE_MIGRATION_INVALID", `${where}: no SQL for ${dialect}`);
    }
    previous = m.version;
    return { version: m.version, name: m.name, text, checksum: checksumOf(text) };
  });
}

/**
 * Compares the database's history with the code's list and returns what is pending. Throws
 * FAILED_PRECONDITION when the database is newer than the code, when an applied migration is
 * unknown or was edited (checksum), or when a pending one would land below an applied one.
 */
export function pendingMigrations(
  planned: readonly PlannedMigration[],
  applied: readonly AppliedMigration[],
  scope: string,
): PlannedMigration[] {
  const known = new Map(planned.map((m) => [m.version, m]));
  const codeVersion = planned.at(-1)?.version ?? 0;
  const dbVersion = applied.reduce((max, row) => Math.max(max, row.version), 0);
  const metadata = { scope, databaseVersion: String(dbVersion), codeVersion: String(codeVersion) };
  if (dbVersion > codeVersion) {
    throw failedPrecondition(
      "STORE_SCHEMA_TOO_NEW",
      `database scope ${scope} is at migration version ${dbVersion}, but this code knows versions up to ${codeVersion}: run the newer code (or restore a matching database)`,
      { metadata },
    );
  }
  for (const row of applied) {
    const mine = known.get(row.version);
    if (mine === undefined) {
      throw failedPrecondition(
        "STORE_MIGRATION_UNKNOWN",
        `database scope ${scope} has migration ${row.version} (${row.name}) applied, which this code does not have`,
        { metadata: { ...metadata, version: String(row.version) } },
      );
    }
    if (mine.checksum !== row.checksum) {
      throw failedPrecondition(
        "STORE_MIGRATION_CHECKSUM",
        `migration ${row.version} (${row.name}) of scope ${scope} was changed after it was applied (checksum ${row.checksum.slice(0, 12)}… in the database, ${mine.checksum.slice(0, 12)}… in code): add a new migration instead of editing an applied one`,
        { metadata: { ...metadata, version: String(row.version) } },
      );
    }
  }
  const done = new Set(applied.map((row) => row.version));
  const pending = planned.filter((m) => !done.has(m.version));
  const first = pending[0];
  if (first !== undefined && first.version < dbVersion) {
    throw failedPrecondition(
      "STORE_MIGRATION_OUT_OF_ORDER",
      `migration ${first.version} (${first.name}) of scope ${scope} is not applied, but the database is already at version ${dbVersion}: give it a version above ${dbVersion}`,
      { metadata: { ...metadata, version: String(first.version) } },
    );
  }
  return pending;
}
