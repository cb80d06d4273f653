import { describe, expect, it } from "vitest";
import { isInvalidArgument } from "../core/index.js";
import { renderSql, sql } from "./sql.js";

describe("sql tag", () => {
  it("renders placeholders per dialect and keeps values apart from the text", () => {
    const evil = "'; drop table users; --";
    const q = sql`select * from users where name = ${evil} and age > ${30}`;
    expect(renderSql(q, "postgres")).toEqual({
      text: "select * from users where name = $1 and age > $2",
      values: [evil, 30],
    });
    expect(renderSql(q, "sqlite")).toEqual({
      text: "select * from users where name = ? and age > ?",
      values: [evil, 30n],
    });
  });

  it("flattens nested fragments, join, ident and raw into one numbered statement", () => {
    const cond = sql.join([sql`a = ${1}`, sql`b = ${"x"}`], sql` and `);
    const q = sql`select ${sql.ident("my", 'col"umn')} from t where ${cond} or c in (${sql.join([2, 3])}) order by id ${sql.raw("desc")}`;
    expect(renderSql(q, "postgres")).toEqual({
      text: 'select "my"."col""umn" from t where a = $1 and b = $2 or c in ($3, $4) order by id desc',
      values: [1, "x", 2, 3],
    });
    expect(renderSql(sql`x${sql.join([])}y`, "sqlite").text).toBe("xy");
  });

  it("encodes values per dialect", () => {
    const date = new Date("2024-01-02T03:04:05.678Z");
    const q = sql`${true}${2n ** 70n}${date}${{ a: 1 }}${[1]}${new Uint8Array([1, 2])}${null}${1.5}`;
    expect(renderSql(q, "postgres").values).toEqual([
      true,
      (2n ** 70n).toString(),
      "2024-01-02T03:04:05.678Z",
      '{"a":1}',
      "[1]",
      Buffer.from([1, 2]),
      null,
      1.5,
    ]);
    expect(renderSql(q, "sqlite").values.slice(0, 2)).toEqual([1, 2n ** 70n]);
  });

  it("is not callable as a plain function and refuses fragments built by hand", () => {
    expect(() => (sql as unknown as (s: string[]) => unknown)(["select 1"])).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
    const fake = { strings: ["drop table x"], values: [] };
    try {
      renderSql(fake as never, "postgres");
      expect.unreachable();
    } catch (e) {
      expect(isInvalidArgument(e)).toBe(true);
    }
  });
});
