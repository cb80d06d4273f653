/** Conformance: the sql tag's injection safety and the round trip of every value type. */
import { expect, it } from "vitest";
import { sql } from "../sql.js";
import { byDialect, countRows, createItems, expectThrowsWeft, type Harness } from "./harness.js";

const EVIL = `it's "quoted" \\ '; drop table items; -- ? $1 :name`;

/** Registers the sql tag and value tests. */
export function sqlTests(h: Harness): void {
  it("keeps a value with quotes and '; drop table a value", async () => {
    const { store } = h();
    await createItems(store);
    await store.execute(sql`insert into items (id, name) values (${1}, ${EVIL})`);
    const rows = await store.query(sql`select id, name from items where name = ${EVIL}`);
    expect(rows).toEqual([{ id: 1, name: EVIL }]);
    expect(await countRows(store, "items")).toBe(1);
  });

  it("composes fragments: join, ident and raw", async () => {
    const { store } = h();
    await store.execute(sql`create table ${sql.ident('we"ird table')} (${sql.ident("col")} text)`);
    const names = ["a", "b", "c", EVIL];
    await store.execute(
      sql`insert into ${sql.ident('we"ird table')} (col) values ${sql.join(
        names.map((n) => sql`(${n})`),
      )}`,
    );
    const wanted = ["b", EVIL, "zzz"];
    const rows = await store.query<{ col: string }>(
      sql`select col from ${sql.ident('we"ird table')} where col in (${sql.join(wanted)}) order by col ${sql.raw("asc")}`,
    );
    expect(rows.map((r) => r.col).sort()).toEqual(["b", EVIL].sort());
    const where = sql`where ${sql.join([sql`col = ${"a"}`, sql`1 = ${1}`], sql` and `)}`;
    expect(await store.query(sql`select col from ${sql.ident('we"ird table')} ${where}`)).toEqual([
      { col: "a" },
    ]);
    expect(await store.query(sql`select 1 as one ${sql.empty}`)).toEqual([{ one: 1 }]);
  });

  it("refuses raw SQL that is not an identifier, and values that are not SQL values", () => {
    expectThrowsWeft(() => sql.raw("items; drop table items"), "INVALID_ARGUMENT");
    expectThrowsWeft(() => sql.raw("1=1"), "INVALID_ARGUMENT");
    expectThrowsWeft(() => sql.ident(""), "INVALID_ARGUMENT");
    expectThrowsWeft(() => sql.ident("x".repeat(64)), "INVALID_ARGUMENT");
    const bad: unknown[] = [undefined, Number.NaN, Infinity, new Map(), () => 1, Symbol("s")];
    for (const value of bad) {
      expectThrowsWeft(
        () => sql`select ${value as never}`,
        "INVALID_ARGUMENT",
        "STORE_INVALID_VALUE",
      );
    }
    expectThrowsWeft(() => sql`select ${new Date(Number.NaN)}`, "INVALID_ARGUMENT");
  });

  it("round-trips every value type", async () => {
    const { store } = h();
    const type = (sqlite: string, postgres: string) =>
      sql.raw(byDialect(store.dialect, { sqlite, postgres }));
    await store.execute(sql`create table vals (
      id integer primary key, s text, n ${type("real", "float8")}, i bigint, big bigint,
      b boolean, f boolean, bytes ${type("blob", "bytea")}, d ${type("text", "timestamptz")},
      j ${type("json", "jsonb")}, arr ${type("json", "jsonb")}, nul text)`);
    const date = new Date("2024-02-29T23:59:58.123Z");
    const json = { a: [1, "two", null, true], nested: { quote: "'\"", empty: {} } };
    const bytes = new Uint8Array([0, 1, 2, 127, 128, 255]);
    await store.execute(sql`insert into vals values (${1}, ${EVIL}, ${-1.5}, ${42n}, ${2n ** 62n},
      ${true}, ${false}, ${bytes}, ${date}, ${json}, ${[1, { b: 2 }]}, ${null})`);
    const [row] = await store.query<Record<string, unknown>>(sql`select * from vals where id = 1`);
    expect(row).toEqual({
      id: 1,
      s: EVIL,
      n: -1.5,
      i: 42,
      big: 2n ** 62n,
      b: true,
      f: false,
      bytes: Buffer.from(bytes),
      d: date.toISOString(),
      j: json,
      arr: [1, { b: 2 }],
      nul: null,
    });
    const [count] = await store.query<{ c: unknown }>(sql`select count(*) as c from vals`);
    expect(count?.c).toBe(1);
    const found = await store.query(
      sql`select id from vals where big = ${2n ** 62n} and b = ${true}`,
    );
    expect(found).toEqual([{ id: 1 }]);
  });
}
