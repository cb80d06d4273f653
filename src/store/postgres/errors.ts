/**
 * Maps pg errors to Weft errors: connection refused, dropped or shut down → UNAVAILABLE;
 * serialization failure and deadlock → ABORTED `STORE_CONFLICT`, lock timeout → ABORTED
 * `STORE_BUSY` (all retryable); unique violation → ALREADY_EXISTS with the constraint named;
 * text PostgreSQL cannot hold (U+0000, an invalid byte sequence) → INVALID_ARGUMENT
 * `STORE_INVALID_TEXT`, which says nothing ran (SQLite stores such text: the gateway refuses it
 * before any store sees it, so both answer alike); anything else → INTERNAL with the pg error as cause and its SQLSTATE in metadata.
 */
import { isWeftError, WeftError } from "../../core/index.js";
import {
  STORE_REASONS,
  statementFailed,
  storeConflict,
  storeUnavailable,
  uniqueViolation,
} from "../errors.js";

const NODE_CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
]);

// admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections
const SERVER_UNAVAILABLE_CODES = new Set(["57P01", "57P02", "57P03", "53300"]);

const CONNECTION_MESSAGES =
  /connection terminated|connection timeout|timeout exceeded when trying to connect|not queryable|connection ended|connection error|cannot use a pool after calling end/i;

/** Tells whether an error means the connection failed or dropped (rather than the statement). */
export function isConnectionError(e: unknown): boolean {
  if (isWeftError(e)) return e.reason === STORE_REASONS.unavailable;
  if (typeof e !== "object" || e === null) return false;
  const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === "string") {
    if (NODE_CONNECTION_CODES.has(code) || SERVER_UNAVAILABLE_CODES.has(code)) return true;
    if (code.startsWith("08")) return true; // connection_exception class
  }
  if (Array.isArray(errors) && errors.some(isConnectionError)) return true; // AggregateError
  return typeof message === "string" && CONNECTION_MESSAGES.test(message);
}

/**
 * Converts anything pg throws into a Weft error (Weft errors pass through). `mayHaveRun` marks
 * connection failures after the statement was sent (an autocommit write, a COMMIT).
 */
export function mapPgError(e: unknown, mayHaveRun = false): WeftError {
  if (isWeftError(e)) return e;
  if (isConnectionError(e)) {
    const what = e instanceof Error ? e.message : "connection failed";
    return storeUnavailable(`PostgreSQL: ${what}`, e, mayHaveRun);
  }
  const { code, constraint, table } = (e ?? {}) as {
    code?: string;
    constraint?: string;
    table?: string;
  };
  switch (code) {
    case "22021": // character_not_in_repertoire: U+0000 or invalid UTF-8 in text
    case "22P05": // untranslatable_character: \u0000 in jsonb
      return new WeftError(
        "INVALID_ARGUMENT",
        "STORE_INVALID_TEXT",
        "PostgreSQL cannot store this text (it holds U+0000 or is not valid UTF-8)",
        { cause: e, mayHaveRun: false, metadata: { driverCode: code } },
      );
    case "23505":
      return uniqueViolation(constraint ?? "unknown", e, table);
    case "40001":
      return storeConflict(
        STORE_REASONS.conflict,
        "serialization failure: retry the transaction",
        e,
      );
    case "40P01":
      return storeConflict(STORE_REASONS.conflict, "deadlock detected: retry the transaction", e);
    case "55P03":
      return storeConflict(STORE_REASONS.busy, "lock not available", e);
    case "57014":
      return new WeftError("DEADLINE_EXCEEDED", "STORE_STATEMENT_TIMEOUT", "statement cancelled", {
        cause: e,
      });
    case "53100":
    case "53200":
      return new WeftError(
        "RESOURCE_EXHAUSTED",
        "STORE_RESOURCES",
        "PostgreSQL is out of resources",
        {
          cause: e,
          retryable: false,
          metadata: { driverCode: code },
        },
      );
    case "XX001":
    case "XX002":
      return new WeftError("DATA_LOSS", "STORE_CORRUPT", "PostgreSQL reports corrupted data", {
        cause: e,
        metadata: { driverCode: code },
      });
  }
  if (typeof code === "string" && code.startsWith("23")) {
    const error = statementFailed(code, e, STORE_REASONS.constraintViolation);
    return constraint === undefined
      ? error
      : error.with({ metadata: { ...error.metadata, constraint } });
  }
  return statementFailed(typeof code === "string" ? code : "PG", e);
}
