/**
 * Parsers for config variables, shared by core and the subsystems' slices. Each takes a value from
 * code or a string from the environment and returns the typed value or `invalid(rule)`.
 */
import { type InvalidValue, invalid } from "./config-slice.js";
import { toMilliseconds } from "./duration.js";

/** A non-empty string. */
export function text(value: unknown): string | InvalidValue {
  return typeof value === "string" && value !== "" ? value : invalid("must be a non-empty string");
}

/** A string of at least `min` characters (secrets, keys, tokens). */
export function atLeast(min: number): (value: unknown) => string | InvalidValue {
  return (value) =>
    typeof value === "string" && value.length >= min
      ? value
      : invalid(`must be at least ${min} characters`);
}

/** A string matching `pattern`, else refused with `rule`. */
export function matching(pattern: RegExp, rule: string): (value: unknown) => string | InvalidValue {
  return (value) => (typeof value === "string" && pattern.test(value) ? value : invalid(rule));
}

/** One of `choices`. */
export function oneOf<T extends string>(
  choices: readonly T[],
  rule = `must be one of ${choices.join(", ")}`,
): (value: unknown) => T | InvalidValue {
  return (value) =>
    (choices as readonly unknown[]).includes(value) ? (value as T) : invalid(rule);
}

/** A boolean, or `true`/`1`/`yes` and `false`/`0`/`no` from the environment. */
export function flag(value: unknown): boolean | InvalidValue {
  if (typeof value === "boolean") return value;
  if (typeof value === "string" && /^(true|1|yes)$/i.test(value)) return true;
  if (typeof value === "string" && /^(false|0|no)$/i.test(value)) return false;
  return invalid("must be true or false");
}

/** A TCP port, 0 to 65535 (0 picks a free one). */
export function port(value: unknown): number | InvalidValue {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n >= 0 && n <= 65535
    ? n
    : invalid("must be a port number from 0 to 65535");
}

/** A duration in milliseconds; a bare number from the environment means milliseconds, as in code. */
export function duration(options: { positive?: boolean } = {}) {
  return (value: unknown): number | InvalidValue => {
    let ms: number;
    try {
      const plain = typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value);
      ms = toMilliseconds(plain ? Number(value) : (value as string));
    } catch {
      return invalid('must be milliseconds or a duration like "10s"');
    }
    return options.positive === true && ms === 0 ? invalid("must be greater than 0") : ms;
  };
}

const BYTES = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/;
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

/** Bytes from a number or a string like `"512KiB"`; undefined when it is neither, or not > 0. */
export function parseBytes(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isSafeInteger(value) && value > 0 ? value : undefined;
  const m = typeof value === "string" ? BYTES.exec(value.trim()) : null;
  if (m === null) return undefined;
  const n = Number(m[1]) * (BYTE_UNITS[m[2] ?? "B"] ?? 1);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** A whole number of bytes >= 1024, as a number or with a unit (`"1MiB"`). */
export function bytes(value: unknown): number | InvalidValue {
  const n = parseBytes(value);
  return n !== undefined && n >= 1024
    ? n
    : invalid('must be a whole number of bytes >= 1024, e.g. 1048576 or "1MiB"');
}
