/**
 * How PostgreSQL values are read back, matching the SQLite store: `int8` (e.g. `count(*)`) as a
 * number when it fits exactly and a bigint otherwise; `timestamptz` as an ISO 8601 UTC string
 * (`2024-05-01T10:00:00.000Z`, microseconds kept when present); `timestamp` the same without `Z`;
 * `date` as `YYYY-MM-DD`; `numeric` stays a string (exact). Everything else: pg's defaults
 * (`jsonb`/`json` parsed, `bytea` a Buffer, `boolean` a boolean).
 */
import type { CustomTypesConfig } from "pg";
import { integerValue } from "../values.js";

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;

const PG_TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(\+00)?$/;

/** Turns PostgreSQL's ISO-style timestamp text (session time zone UTC) into ISO 8601. */
export function isoTimestamp(text: string): string {
  const m = PG_TIMESTAMP.exec(text);
  if (m === null) return text; // infinity, BC dates, far years: as PostgreSQL wrote them
  const fraction = (m[3] ?? "").padEnd(3, "0");
  return `${m[1]}T${m[2]}.${fraction}${m[4] === undefined ? "" : "Z"}`;
}

/** Type parsers for the pool: text-format overrides on top of pg's defaults. */
export function typeParsers(defaults: CustomTypesConfig): CustomTypesConfig {
  const getTypeParser = ((oid: number, format?: "text" | "binary") => {
    if (format !== "binary") {
      if (oid === INT8) return (text: string) => integerValue(BigInt(text));
      if (oid === TIMESTAMPTZ || oid === TIMESTAMP) return isoTimestamp;
      if (oid === DATE) return (text: string) => text;
    }
    return defaults.getTypeParser(oid, format as "text");
  }) as CustomTypesConfig["getTypeParser"];
  return { getTypeParser };
}
