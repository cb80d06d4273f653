/**
 * The wire form of a Weft error: a plain JSON object that every transport carries. It round-trips
 * exactly (code, reason, message, metadata, retryable, mayHaveRun, issues); causes and stacks stay
 * in the process that threw.
 */
import { isErrorCode } from "./error-codes.js";
import { type FieldIssue, normalizeError, WeftError } from "./errors.js";

/** A Weft error as plain JSON. */
export interface WireError {
  readonly code: string;
  readonly reason: string;
  readonly message: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly retryable: boolean;
  readonly mayHaveRun: boolean;
  readonly issues: readonly FieldIssue[];
}

/** Converts any thrown value to its wire form (unknown throwables become INTERNAL). */
export function errorToWire(thrown: unknown): WireError {
  const e = normalizeError(thrown);
  return {
    code: e.code,
    reason: e.reason,
    message: e.message,
    metadata: e.metadata,
    retryable: e.retryable,
    mayHaveRun: e.mayHaveRun,
    issues: e.issues,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function readMetadata(v: unknown): Record<string, string> | undefined {
  if (v === undefined) return {};
  if (!isRecord(v)) return undefined;
  const entries = Object.entries(v);
  if (!entries.every(([, value]) => typeof value === "string")) return undefined;
  // fromEntries defines own properties: a "__proto__" key stays data instead of being dropped.
  return Object.fromEntries(entries) as Record<string, string>;
}

function readIssues(v: unknown): FieldIssue[] | undefined {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return undefined;
  const out: FieldIssue[] = [];
  for (const item of v) {
    if (!isRecord(item) || typeof item.message !== "string" || !Array.isArray(item.path)) {
      return undefined;
    }
    if (!item.path.every((p) => typeof p === "string" || typeof p === "number")) return undefined;
    out.push({ path: item.path as (string | number)[], message: item.message });
  }
  return out;
}

/**
 * Rebuilds a Weft error from its wire form. A value that is not a valid wire error (a peer bug, a
 * corrupted message) becomes INTERNAL with reason `MALFORMED_ERROR`, never a crash.
 */
export function errorFromWire(value: unknown): WeftError {
  if (isRecord(value) && isErrorCode(value.code) && typeof value.reason === "string") {
    const metadata = readMetadata(value.metadata);
    const issues = readIssues(value.issues);
    if (metadata !== undefined && issues !== undefined && typeof value.message === "string") {
      return new WeftError(value.code, value.reason, value.message, {
        metadata,
        issues,
        ...(typeof value.retryable === "boolean" ? { retryable: value.retryable } : {}),
        mayHaveRun: value.mayHaveRun === true,
      });
    }
  }
  return new WeftError(
    "INTERNAL",
    "MALFORMED_ERROR",
    "the callee answered with a malformed error",
    {
      mayHaveRun: true,
    },
  );
}
