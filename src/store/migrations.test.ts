import { describe, expect, it } from "vitest";
import { checksumOf, pendingMigrations, planMigrations } from "./migrations.js";

const list = [
  { version: 1, name: "a", sql: "create table a (id int)" },
  {
    version: 2,
    name: "b",
    sqlite: "create table b (id integer)",
    postgres: "create table b (id int)",
  },
];

describe("migrations", () => {
  it("resolves each migration for its dialect and checksums the text", () => {
    const planned = planMigrations(list, "sqlite", "app");
    expect(planned.map((m) => m.text)).toEqual([
      "create table a (id int)",
      "create table b (id integer)",
    ]);
    expect(planned[0]?.checksum).toBe(checksumOf("create table a (id int)\r\n"));
  });

  it("refuses versions out of order, duplicates and missing SQL", () => {
    expect(() => planMigrations([list[1], list[0]] as never, "sqlite", "app")).toThrow(/version 1/);
    expect(() => planMigrations([list[0], list[0]] as never, "sqlite", "app")).toThrow();
    expect(() => planMigrations([{ version: 1, name: "x" }], "postgres", "app")).toThrow(/no SQL/);
    expect(() =>
      planMigrations([{ version: 1.5, name: "x", sql: "s" }], "postgres", "app"),
    ).toThrow();
  });

  it("finds what is pending and refuses histories that do not match", () => {
    const planned = planMigrations(list, "postgres", "app");
    const first = { version: 1, name: "a", checksum: planned[0]?.checksum as string };
    expect(pendingMigrations(planned, [first], "app").map((m) => m.version)).toEqual([2]);
    expect(() =>
      pendingMigrations(planned, [first, { version: 3, name: "c", checksum: "x" }], "app"),
    ).toThrow(expect.objectContaining({ reason: "STORE_SCHEMA_TOO_NEW" }));
    expect(() => pendingMigrations(planned, [{ ...first, checksum: "x" }], "app")).toThrow(
      expect.objectContaining({ reason: "STORE_MIGRATION_CHECKSUM" }),
    );
    const second = { version: 2, name: "b", checksum: planned[1]?.checksum as string };
    expect(() => pendingMigrations(planned, [second], "app")).toThrow(
      expect.objectContaining({ reason: "STORE_MIGRATION_OUT_OF_ORDER" }),
    );
    const gap = planMigrations(
      [list[0], { version: 5, name: "e", sql: "s" }] as never,
      "sqlite",
      "app",
    );
    expect(() => pendingMigrations(gap, [{ version: 4, name: "d", checksum: "x" }], "app")).toThrow(
      expect.objectContaining({ reason: "STORE_MIGRATION_UNKNOWN" }),
    );
  });
});
