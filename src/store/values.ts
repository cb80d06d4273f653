/**
 * Values a SQL fragment may carry, checked when the fragment is built and encoded per dialect when
 * it runs. JSON (plain objects and arrays) is stored as text: `jsonb`/`json` columns on PostgreSQL,
 * `json`/`jsonb`-declared TEXT columns on SQLite (both read back parsed).
 */
import { invalidArgument } from "../core/index.js";
import type { Dialect } from "./dialect.js";

/**
 * A value bound as a parameter: string, number (finite), bigint, boolean, null, bytes
 * (`Uint8Array`/`Buffer`), `Date` (bound as its ISO string) or JSON (a plain object or an array).
 */
export type SqlValue = string | number | bigint | boolean | null | Date | Uint8Array | object;

function badValue(why: string): Error {
  return invalidArgument("STORE_INVALID_VALUE", `not a SQL value: ${why}`);
}

function isJson(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Throws INVALID_ARGUMENT (`STORE_INVALID_VALUE`) unless `value` can be bound as a parameter. */
export function checkValue(value: unknown): void {
  switch (typeof value) {
    case "string":
    case "bigint":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw badValue(`${value} (numbers must be finite)`);
      return;
    case "object":
      if (value === null || value instanceof Uint8Array) return;
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) throw badValue("an invalid Date");
        return;
      }
      if (isJson(value)) return;
      throw badValue(
        `a ${value.constructor?.name ?? "non-plain"} object (use a plain object, an array, or convert it)`,
      );
    default:
      throw badValue(`${typeof value} (use null for a missing value)`);
  }
}

function json(value: object): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw invalidArgument("STORE_INVALID_VALUE", "a JSON value could not be serialized", {
      cause: e,
    });
  }
}

function bytes(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
}

/**
 * Encodes a checked value for the driver of `dialect`. SQLite gets integers as bigint (stored as
 * INTEGER, as PostgreSQL would infer) and booleans as 1/0; PostgreSQL gets bigints as text.
 */
export function encodeValue(value: SqlValue, dialect: Dialect): unknown {
  switch (typeof value) {
    case "number":
      return dialect === "sqlite" && Number.isSafeInteger(value) ? BigInt(value) : value;
    case "boolean":
      return dialect === "sqlite" ? (value ? 1 : 0) : value;
    case "bigint":
      return dialect === "sqlite" ? value : value.toString();
    case "object":
      if (value === null) return null;
      if (value instanceof Uint8Array) return bytes(value);
      if (value instanceof Date) return value.toISOString();
      return json(value);
    default:
      return value;
  }
}

/** Number when it fits exactly, bigint otherwise: how every integer is read back. */
export function integerValue(value: bigint): number | bigint {
  return value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER
    ? Number(value)
    : value;
}
