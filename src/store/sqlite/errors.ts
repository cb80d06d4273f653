/**
 * Maps better-sqlite3 errors to Weft errors: BUSY/LOCKED → ABORTED (retryable), cannot open and
 * I/O errors → UNAVAILABLE, unique and primary-key violations → ALREADY_EXISTS, a full disk →
 * RESOURCE_EXHAUSTED, corruption → DATA_LOSS, anything else → INTERNAL with the error as cause.
 */
import { isWeftError, WeftError } from "../../core/index.js";
import {
  STORE_REASONS,
  statementFailed,
  storeConflict,
  storeUnavailable,
  uniqueViolation,
} from "../errors.js";

/** Tells whether a thrown value is SQLite's "database is busy/locked". */
export function isSqliteBusy(e: unknown): boolean {
  if (isWeftError(e)) return e.reason === STORE_REASONS.busy;
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code);
}

/** Converts anything better-sqlite3 throws into a Weft error (Weft errors pass through). */
export function mapSqliteError(e: unknown): WeftError {
  if (isWeftError(e)) return e;
  const code = (e as { code?: unknown } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (typeof code !== "string")
    return statementFailed(e instanceof RangeError ? "BIND" : "SQLITE", e);
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    const constraint = /constraint failed: (.*)$/.exec(message)?.[1] ?? "unknown";
    return uniqueViolation(constraint, e);
  }
  if (code.startsWith("SQLITE_CONSTRAINT")) {
    return statementFailed(code, e, STORE_REASONS.constraintViolation);
  }
  if (isSqliteBusy(e)) {
    return storeConflict(STORE_REASONS.busy, "the SQLite database is locked by another writer", e);
  }
  if (code.startsWith("SQLITE_CANTOPEN") || code.startsWith("SQLITE_IOERR")) {
    return storeUnavailable(`SQLite ${code}`, e);
  }
  if (code === "SQLITE_FULL") {
    return new WeftError("RESOURCE_EXHAUSTED", "STORE_DISK_FULL", "the SQLite database is full", {
      cause: e,
      retryable: false,
      metadata: { driverCode: code },
    });
  }
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return new WeftError("DATA_LOSS", "STORE_CORRUPT", "the SQLite database file is corrupt", {
      cause: e,
      metadata: { driverCode: code },
    });
  }
  return statementFailed(code, e);
}
