/**
 * Rules every request's input meets at the gateway, whichever process runs the method, so that a
 * request is answered the same in one process, serialized and split:
 *
 * - JSON bodies nest at most {@link MAX_JSON_DEPTH} levels (a deeper body is refused before any
 *   code walks it; in another process encoding it for NATS would fail);
 * - no string, object key, path parameter or query value holds U+0000 (PostgreSQL cannot store
 *   it in text; SQLite can, so without the rule the same request would pass or fail by store);
 * - no number is an integer beyond ±(2^53 − 1) (`Number.MAX_SAFE_INTEGER`): such a number cannot
 *   be held exactly, and sums of it go wrong silently. Clients send such values as strings.
 *
 * Each refusal is a 400 INVALID_ARGUMENT naming the rule (reason) and the field (issue path).
 */
import { formatPath } from "../core/index.js";
import { edgeError } from "./problem.js";

/** How deep a JSON body may nest (objects and arrays). */
export const MAX_JSON_DEPTH = 64;

type Path = (string | number)[];

function refuse(reason: string, path: Path, rule: string): never {
  const where = path.length === 0 ? "the request" : formatPath(path);
  throw edgeError(400, "INVALID_ARGUMENT", reason, `${where}: ${rule}`, {
    issues: [{ path: [...path], message: rule }],
  });
}

const NUL_RULE = "must not contain the character U+0000";
const UNSAFE_RULE = `integers must lie within ±${Number.MAX_SAFE_INTEGER} (send larger ones as strings)`;

/** Throws 400 (NUL_CHARACTER) when `text` holds U+0000. */
function checkString(text: string, path: Path): void {
  if (text.includes("\u0000")) refuse("NUL_CHARACTER", path, NUL_RULE);
}

/** Throws 400 (UNSAFE_INTEGER) for an integer outside the safe range. */
function checkNumber(value: number, path: Path): void {
  if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
    refuse("UNSAFE_INTEGER", path, UNSAFE_RULE);
  }
}

/**
 * Checks one value of an input (a string or number anywhere, at most `depth` levels deep). `path`
 * is one array pushed and popped on the way down (copied only for a refusal), so a body is walked
 * without allocating per field.
 */
function checkValue(value: unknown, path: Path, depth: number): void {
  if (typeof value === "string") checkString(value, path);
  else if (typeof value === "number") checkNumber(value, path);
  else if (typeof value === "object" && value !== null) {
    if (depth >= MAX_JSON_DEPTH) {
      refuse("BODY_TOO_DEEP", path, `JSON may nest at most ${MAX_JSON_DEPTH} levels`);
    }
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        path.push(i);
        checkValue(value[i], path, depth + 1);
        path.pop();
      }
    } else {
      for (const key in value) {
        path.push(key);
        checkString(key, path);
        checkValue((value as Record<string, unknown>)[key], path, depth + 1);
        path.pop();
      }
    }
  }
}

/**
 * Throws 400 INVALID_ARGUMENT when a parsed JSON body breaks a rule: nesting deeper than
 * {@link MAX_JSON_DEPTH} (BODY_TOO_DEEP), U+0000 in a string or key (NUL_CHARACTER), an integer
 * beyond the safe range (UNSAFE_INTEGER).
 */
export function checkBodyRules(body: Record<string, unknown>): void {
  checkValue(body, [], 0);
}

/**
 * Throws 400 INVALID_ARGUMENT when a path parameter's or query field's value (after coercion)
 * holds U+0000 or is an integer beyond the safe range. `location` names where it came from.
 */
export function checkFieldRules(name: string, value: unknown, location: "path" | "query"): void {
  const path = [name];
  if (typeof value === "string") checkString(value, path);
  else if (typeof value === "number") checkNumber(value, path);
  else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkFieldRules(name, value[i], location);
  }
  if (name.includes("\u0000")) refuse("NUL_CHARACTER", [`(${location} field name)`], NUL_RULE);
}
