/**
 * A prepared-statement cache per connection (least recently used out), and row decoding: integers
 * come back as numbers when they fit exactly (bigint otherwise), columns declared `boolean` as
 * booleans, columns declared `json`/`jsonb` parsed.
 */
import type BetterSqlite3 from "better-sqlite3";
import { integerValue } from "../values.js";
import { mapSqliteError } from "./errors.js";

type Kind = "plain" | "boolean" | "json";

interface Prepared {
  readonly statement: BetterSqlite3.Statement;
  /** Column name and decoding kind, for statements that return rows. */
  readonly columns: readonly (readonly [string, Kind])[] | undefined;
}

function kindOf(declared: string | null): Kind {
  if (declared === null) return "plain";
  if (/^bool(ean)?$/i.test(declared)) return "boolean";
  if (/^jsonb?$/i.test(declared)) return "json";
  return "plain";
}

function decode(value: unknown, kind: Kind): unknown {
  if (typeof value === "bigint") {
    const n = integerValue(value);
    return kind === "boolean" && (n === 0 || n === 1) ? n === 1 : n;
  }
  if (kind === "json" && typeof value === "string") {
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  }
  return value;
}

/** Statements of one connection, prepared once and reused. */
export class StatementCache {
  private readonly cache = new Map<string, Prepared>();

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly size: number,
  ) {}

  /** The prepared statement for `text` (prepared now if not cached). Throws Weft errors. */
  prepare(text: string): Prepared {
    const hit = this.cache.get(text);
    if (hit !== undefined) {
      this.cache.delete(text);
      this.cache.set(text, hit);
      return hit;
    }
    let statement: BetterSqlite3.Statement;
    try {
      statement = this.db.prepare(text);
    } catch (e) {
      throw mapSqliteError(e);
    }
    let columns: Prepared["columns"];
    if (statement.reader) {
      statement.safeIntegers(true);
      columns = statement.columns().map((c) => [c.name, kindOf(c.type)] as const);
    }
    const prepared = { statement, columns };
    this.cache.set(text, prepared);
    if (this.cache.size > this.size) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return prepared;
  }

  /** Runs a statement and returns its decoded rows (`[]` when it returns none). */
  all(text: string, values: readonly unknown[]): Record<string, unknown>[] {
    const { statement, columns } = this.prepare(text);
    try {
      if (columns === undefined) {
        statement.run(...values);
        return [];
      }
      const rows = statement.all(...values) as Record<string, unknown>[];
      for (const row of rows) {
        for (const [name, kind] of columns) row[name] = decode(row[name], kind);
      }
      return rows;
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  /** Runs a statement and returns how many rows it changed. */
  run(text: string, values: readonly unknown[]): number {
    const { statement } = this.prepare(text);
    try {
      return statement.run(...values).changes;
    } catch (e) {
      throw mapSqliteError(e);
    }
  }

  /** Drops every cached statement (before closing the connection). */
  clear(): void {
    this.cache.clear();
  }
}
