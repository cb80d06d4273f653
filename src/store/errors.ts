/**
 * Errors the store raises itself, and the reasons of the mapped driver errors. Every adapter throws
 * only Weft errors: connection trouble is UNAVAILABLE, conflicts are ABORTED (both retryable), a
 * unique violation is ALREADY_EXISTS, anything else from the driver is INTERNAL with it as cause.
 */
import { WeftError } from "../core/index.js";
import type { Isolation } from "./types.js";

/** Stable reasons of store errors. */
export const STORE_REASONS = {
  /** The database cannot be reached or the connection dropped (UNAVAILABLE). */
  unavailable: "STORE_UNAVAILABLE",
  /** Another writer holds the lock past the busy timeout (ABORTED). */
  busy: "STORE_BUSY",
  /** A serialization failure or deadlock; retry the whole transaction (ABORTED). */
  conflict: "STORE_CONFLICT",
  /** A unique or primary-key constraint refused a row (ALREADY_EXISTS). */
  uniqueViolation: "STORE_UNIQUE_VIOLATION",
  /** A not-null, check or foreign-key constraint refused a row (INTERNAL). */
  constraintViolation: "STORE_CONSTRAINT_VIOLATION",
  /** Any other failed statement (INTERNAL). */
  queryFailed: "STORE_QUERY_FAILED",
  /** The store was closed (FAILED_PRECONDITION). */
  closed: "STORE_CLOSED",
  /** A Tx was used after its transaction ended (FAILED_PRECONDITION). */
  txClosed: "STORE_TX_CLOSED",
} as const;

/** Raised when the store is used after `close()` began. */
export function storeClosed(): WeftError {
  return new WeftError("FAILED_PRECONDITION", STORE_REASONS.closed, "the store is closed");
}

/** Raised when a Tx is used after its transaction committed or rolled back. */
export function txClosed(): WeftError {
  return new WeftError(
    "FAILED_PRECONDITION",
    STORE_REASONS.txClosed,
    "this transaction has ended; use the Tx only inside its transaction's fn",
  );
}

/** UNAVAILABLE (retryable) for a database that cannot be reached; `mayHaveRun` when unsure. */
export function storeUnavailable(what: string, cause: unknown, mayHaveRun = false): WeftError {
  return new WeftError("UNAVAILABLE", STORE_REASONS.unavailable, `store unavailable: ${what}`, {
    cause,
    mayHaveRun,
  });
}

/** ABORTED (retryable): the transaction lost a conflict and may be retried whole. */
export function storeConflict(reason: string, what: string, cause: unknown): WeftError {
  return new WeftError("ABORTED", reason, what, { cause });
}

/**
 * ALREADY_EXISTS for a unique violation. `constraint` names the constraint (PostgreSQL) or its
 * columns as `table.column, …` (SQLite); never the values, which may be private.
 */
export function uniqueViolation(constraint: string, cause: unknown, table?: string): WeftError {
  return new WeftError(
    "ALREADY_EXISTS",
    STORE_REASONS.uniqueViolation,
    `unique constraint ${constraint} violated`,
    { cause, metadata: table === undefined ? { constraint } : { constraint, table } },
  );
}

/** INTERNAL for any other failed statement; the driver's code is in metadata, the error in cause. */
export function statementFailed(driverCode: string, cause: unknown, reason?: string): WeftError {
  return new WeftError(
    "INTERNAL",
    reason ?? STORE_REASONS.queryFailed,
    `SQL statement failed (${driverCode})`,
    { cause, metadata: { driverCode } },
  );
}

const ISOLATIONS = new Set(["read committed", "repeatable read", "serializable", undefined]);

/** Throws INVALID_ARGUMENT for an isolation level that is not one of {@link Isolation}'s. */
export function checkIsolation(isolation: unknown): void {
  if (!ISOLATIONS.has(isolation as string)) {
    throw new WeftError(
      "INVALID_ARGUMENT",
      "STORE_INVALID_ISOLATION",
      `unknown isolation ${JSON.stringify(isolation)}: use read committed, repeatable read or serializable`,
    );
  }
}

/** Refuses transaction-control statements inside `query`/`execute`: the store owns them. */
export function checkNotTransactionControl(text: string): void {
  if (/^\s*(begin|commit|end|rollback|savepoint|release|abort|start\s+transaction)\b/i.test(text)) {
    throw new WeftError(
      "INVALID_ARGUMENT",
      "STORE_TRANSACTION_CONTROL",
      "transaction control statements are not allowed here: use store.transaction(fn)",
    );
  }
}
