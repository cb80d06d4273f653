/** Conformance: versioned migrations — once, in order, race-free, refusing what does not match. */
import { expect, it } from "vitest";
import type { Migration } from "../migrations.js";
import { sql } from "../sql.js";
import { countRows, expectWeftError, type Harness } from "./harness.js";

const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: "create_ledger",
    sql: "create table ledger (id integer primary key, note text)",
  },
  {
    version: 2,
    name: "seed_ledger",
    sql: "insert into ledger (id, note) values (1, 'seeded once')",
  },
  {
    version: 3,
    name: "dialect_specific",
    sqlite: "create table extra (id integer primary key autoincrement, at text)",
    postgres: "create table extra (id bigint generated always as identity primary key, at text)",
  },
];

const applied = async (h: Harness, scope = "app") =>
  (
    await h().store.query<{ version: number }>(
      sql`select version from weft_migrations where scope = ${scope} order by version`,
    )
  ).map((r) => r.version);

/** Registers the migration tests. */
export function migrationTests(h: Harness): void {
  it("applies each migration once, in order, and is a no-op when up to date", async () => {
    const { store } = h();
    expect(await store.migrate(MIGRATIONS.slice(0, 2))).toEqual({
      scope: "app",
      from: 0,
      to: 2,
      applied: [
        { version: 1, name: "create_ledger" },
        { version: 2, name: "seed_ledger" },
      ],
    });
    const report = await store.migrate(MIGRATIONS);
    expect(report).toMatchObject({ from: 2, to: 3, applied: [{ version: 3 }] });
    expect(await store.migrate(MIGRATIONS)).toMatchObject({ from: 3, to: 3, applied: [] });
    expect(await countRows(store, "ledger")).toBe(1);
    expect(await applied(h)).toEqual([1, 2, 3]);
    expect(await store.migrate([], { scope: "fresh" })).toEqual({
      scope: "fresh",
      from: 0,
      to: 0,
      applied: [],
    });
  });

  it("applies each migration exactly once with two concurrent migrators", async () => {
    const harness = h();
    const other = await harness.open();
    const reports = await Promise.all([
      harness.store.migrate(MIGRATIONS),
      other.migrate(MIGRATIONS),
      harness.store.migrate(MIGRATIONS),
    ]);
    const versions = reports.flatMap((r) => r.applied.map((m) => m.version));
    expect(versions.sort()).toEqual([1, 2, 3]);
    for (const r of reports) expect(r.to).toBe(3);
    expect(await countRows(harness.store, "ledger")).toBe(1);
    expect(await applied(h)).toEqual([1, 2, 3]);
  });

  it("finishes a migration in progress before close completes", async () => {
    const harness = h();
    const migrating = harness.store.migrate(MIGRATIONS);
    await harness.store.close();
    expect((await migrating).to).toBe(3);
    const again = await harness.open();
    expect(await countRows(again, "ledger")).toBe(1);
  });

  it("refuses a database newer than the code, naming both versions", async () => {
    const { store } = h();
    await store.migrate(MIGRATIONS);
    const error = await expectWeftError(
      store.migrate(MIGRATIONS.slice(0, 1)),
      "FAILED_PRECONDITION",
      "STORE_SCHEMA_TOO_NEW",
    );
    expect(error.message).toMatch(/version 3.*up to 1/);
    expect(error.metadata).toMatchObject({ databaseVersion: "3", codeVersion: "1" });
  });

  it("refuses an applied migration whose SQL changed", async () => {
    const { store } = h();
    await store.migrate(MIGRATIONS.slice(0, 1));
    const edited = [{ ...MIGRATIONS[0], sql: "create table ledger (id integer primary key)" }];
    const error = await expectWeftError(
      store.migrate(edited as Migration[]),
      "FAILED_PRECONDITION",
      "STORE_MIGRATION_CHECKSUM",
    );
    expect(error.message).toContain("migration 1 (create_ledger)");
  });

  it("rolls back a failing migration whole and keeps the ones before it", async () => {
    const { store } = h();
    const broken: Migration = {
      version: 2,
      name: "half_broken",
      sql: "create table half (id integer); insert into nowhere values (1)",
    };
    const error = await expectWeftError(
      store.migrate([MIGRATIONS[0] as Migration, broken]),
      "INTERNAL",
      "STORE_MIGRATION_FAILED",
    );
    expect(error.metadata).toMatchObject({ version: "2" });
    expect(await applied(h)).toEqual([1]);
    await expectWeftError(store.query(sql`select * from half`), "INTERNAL");
  });

  it("keeps scopes independent and checks the list", async () => {
    const { store } = h();
    await store.migrate(MIGRATIONS.slice(0, 1), { scope: "engine" });
    await store.migrate([{ version: 7, name: "other", sql: "create table other (id integer)" }]);
    expect(await applied(h, "engine")).toEqual([1]);
    expect(await applied(h, "app")).toEqual([7]);
    const twice = [MIGRATIONS[1], MIGRATIONS[0]] as Migration[];
    await expectWeftError(store.migrate(twice), "INVALID_ARGUMENT", "STORE_MIGRATION_INVALID");
    const otherDialect = store.dialect === "postgres" ? "sqlite" : "postgres";
    await expectWeftError(
      store.migrate([{ version: 9, name: "elsewhere", [otherDialect]: "select 1" }]),
      "INVALID_ARGUMENT",
      "STORE_MIGRATION_INVALID",
    );
    await expectWeftError(store.migrate([], { scope: "bad scope" }), "INVALID_ARGUMENT");
  });
}
