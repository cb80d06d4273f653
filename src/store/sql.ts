/**
 * The `sql` tagged template: SQL text comes only from template literals written in code; every
 * interpolated value becomes a bound parameter, so a value can never become SQL. Fragments compose,
 * identifiers go through `sql.ident` (quoted) or `sql.raw` (validated), and each adapter renders
 * its own placeholders (`$1…` for PostgreSQL, `?` for SQLite).
 *
 * @example
 * ```ts
 * const cols = sql.join([sql.ident("id"), sql.ident("total")]);
 * await tx.query(sql`select ${cols} from orders where id in (${sql.join(ids)}) and note = ${note}`);
 * ```
 */
import { invalidArgument } from "../core/index.js";
import type { Dialect } from "./dialect.js";
import { checkValue, encodeValue, type SqlValue } from "./values.js";

const BRAND = Symbol.for("weft.sql.fragment");

/** A piece of SQL: literal text parts with bound values between them. Build it with {@link sql}. */
export class SqlFragment {
  /** Literal SQL text; always one more part than values. */
  readonly strings: readonly string[];
  /** Values bound between the text parts. */
  readonly values: readonly SqlValue[];

  /** @internal use the `sql` tag; fragments are never built from strings directly. */
  constructor(strings: readonly string[], values: readonly SqlValue[], token: symbol) {
    if (token !== BRAND) throw new TypeError("build SQL fragments with the sql tag");
    this.strings = strings;
    this.values = values;
  }
}
Object.defineProperty(SqlFragment.prototype, BRAND, { value: true });

/** Tells whether a value is a SQL fragment (works across copies of the package). */
export function isSqlFragment(value: unknown): value is SqlFragment {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

function build(strings: readonly string[], values: readonly unknown[]): SqlFragment {
  if (!values.some(isSqlFragment)) {
    for (const v of values) checkValue(v);
    return new SqlFragment(strings, values as SqlValue[], BRAND);
  }
  const outStrings: string[] = [strings[0] ?? ""];
  const outValues: SqlValue[] = [];
  values.forEach((value, i) => {
    const next = strings[i + 1] ?? "";
    if (isSqlFragment(value)) {
      outStrings[outStrings.length - 1] += value.strings[0] ?? "";
      for (let j = 0; j < value.values.length; j++) {
        outValues.push(value.values[j] as SqlValue);
        outStrings.push(value.strings[j + 1] ?? "");
      }
      outStrings[outStrings.length - 1] += next;
    } else {
      checkValue(value);
      outValues.push(value as SqlValue);
      outStrings.push(next);
    }
  });
  return new SqlFragment(outStrings, outValues, BRAND);
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_IDENTIFIER_BYTES = 63; // PostgreSQL silently truncates longer names

/** Throws INVALID_ARGUMENT unless `name` is a plain identifier: letters, digits, `_`, ≤ 63. */
export function assertIdentifier(name: string, what = "identifier"): string {
  if (typeof name !== "string" || !IDENTIFIER.test(name) || name.length > MAX_IDENTIFIER_BYTES) {
    throw invalidArgument(
      "STORE_INVALID_IDENTIFIER",
      `invalid ${what} ${JSON.stringify(name)}: use letters, digits and "_", not starting with a digit, at most 63 characters`,
    );
  }
  return name;
}

function quote(name: string): string {
  if (
    typeof name !== "string" ||
    name === "" ||
    name.includes("\0") ||
    Buffer.byteLength(name) > MAX_IDENTIFIER_BYTES
  ) {
    throw invalidArgument(
      "STORE_INVALID_IDENTIFIER",
      `invalid identifier ${JSON.stringify(name)}: it must be 1 to 63 bytes without NUL`,
    );
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** The `sql` tag and its helpers. */
export interface SqlTag {
  /** Builds a fragment: literal text from the template, every `${value}` a bound parameter. */
  (strings: TemplateStringsArray, ...values: (SqlValue | SqlFragment)[]): SqlFragment;
  /** Joins values or fragments with a separator fragment (default `, `); `[]` gives empty SQL. */
  join(items: readonly (SqlValue | SqlFragment)[], separator?: SqlFragment): SqlFragment;
  /** An identifier or keyword written as is, after checking it is one (`[A-Za-z_][A-Za-z0-9_]*`, dotted parts allowed). */
  raw(token: string): SqlFragment;
  /** A quoted identifier (`"name"`; several parts give `"schema"."table"`); any name is safe. */
  ident(...parts: string[]): SqlFragment;
  /** Empty SQL, for optional clauses. */
  readonly empty: SqlFragment;
}

function tag(strings: TemplateStringsArray, ...values: (SqlValue | SqlFragment)[]): SqlFragment {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw invalidArgument("STORE_NOT_A_TEMPLATE", "sql must be used as a tagged template: sql`…`");
  }
  return build(strings, values);
}

const COMMA = build([", "], []);

/** The SQL tagged template. */
export const sql: SqlTag = Object.assign(tag, {
  join(items: readonly (SqlValue | SqlFragment)[], separator: SqlFragment = COMMA): SqlFragment {
    if (items.length === 0) return build([""], []);
    const strings: string[] = [""];
    const values: unknown[] = [];
    items.forEach((item, i) => {
      if (i > 0) {
        values.push(separator);
        strings.push("");
      }
      values.push(item);
      strings.push("");
    });
    return build(strings, values);
  },
  raw(token: string): SqlFragment {
    for (const part of String(token).split(".")) assertIdentifier(part, "raw SQL token");
    return build([token], []);
  },
  ident(...parts: string[]): SqlFragment {
    if (parts.length === 0) throw invalidArgument("STORE_INVALID_IDENTIFIER", "no identifier");
    return build([parts.map(quote).join(".")], []);
  },
  empty: build([""], []),
});

/** A fragment rendered for one driver: text with placeholders, and encoded values. */
export interface RenderedSql {
  readonly text: string;
  readonly values: unknown[];
}

const textCache = new WeakMap<readonly string[], { sqlite?: string; postgres?: string }>();

function renderText(strings: readonly string[], dialect: Dialect): string {
  const cached = textCache.get(strings);
  const hit = cached?.[dialect];
  if (hit !== undefined) return hit;
  let text = strings[0] ?? "";
  for (let i = 1; i < strings.length; i++) {
    text += `${dialect === "postgres" ? `$${i}` : "?"}${strings[i]}`;
  }
  if (cached === undefined) textCache.set(strings, { [dialect]: text });
  else cached[dialect] = text;
  return text;
}

/** Renders a fragment for `dialect`: `$1…` (PostgreSQL) or `?` (SQLite) placeholders. */
export function renderSql(fragment: SqlFragment, dialect: Dialect): RenderedSql {
  if (!isSqlFragment(fragment)) {
    throw invalidArgument("STORE_NOT_A_FRAGMENT", "statements must be built with the sql tag");
  }
  return {
    text: renderText(fragment.strings, dialect),
    values: fragment.values.map((v) => encodeValue(v, dialect)),
  };
}
