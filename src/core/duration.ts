/**
 * Durations as users write them: a number of milliseconds, or a string such as `"250ms"`,
 * `"10s"`, `"5m"`, `"1h"`, `"2d"`, or a sum like `"1m30s"`.
 */
import { invalidArgument } from "./errors.js";

/** A duration: milliseconds, or a string such as `"10s"`. */
export type Duration = number | `${number}${DurationUnit}` | (string & {});

/** Units a duration string may use. */
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;

/**
 * Converts a duration to milliseconds. Throws INVALID_ARGUMENT naming `field` when the value is
 * negative, not finite, or not of the form above.
 */
export function toMilliseconds(value: Duration, field = "duration"): number {
  if (typeof value === "number") {
    if (Number.isFinite(value) && value >= 0) return value;
    throw invalidArgument(
      "INVALID_DURATION",
      `${field}: must be a finite number of milliseconds >= 0 (got ${value})`,
      {
        issues: [{ path: [field], message: "must be a finite number of milliseconds >= 0" }],
      },
    );
  }
  const text = String(value).trim();
  let total = 0;
  let pos = 0;
  PART.lastIndex = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (m === null) break;
    total += Number(m[1]) * UNIT_MS[m[2] as DurationUnit];
    pos = PART.lastIndex;
  }
  if (pos === text.length && text.length > 0) return total;
  throw invalidArgument(
    "INVALID_DURATION",
    `${field}: must be milliseconds or a duration like "250ms", "10s", "5m", "1h", "2d" (got ${JSON.stringify(value)})`,
    { issues: [{ path: [field], message: 'must be a duration like "10s"' }] },
  );
}
