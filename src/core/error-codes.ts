/**
 * The fixed set of error codes every Weft error carries. They follow gRPC's canonical codes so that
 * they map cleanly onto HTTP statuses at the gateway and onto other RPC systems.
 */
export const ERROR_CODES = [
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

/** One of Weft's fixed error codes. */
export type ErrorCode = (typeof ERROR_CODES)[number];

const codeSet: ReadonlySet<string> = new Set(ERROR_CODES);

/** Tells whether a string is one of Weft's error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && codeSet.has(value);
}

/**
 * Whether an error with this code is worth retrying when the caller does not say otherwise.
 * Only transient conditions qualify; a retry also requires the method to be idempotent.
 */
export function isRetryableByDefault(code: ErrorCode): boolean {
  return code === "UNAVAILABLE" || code === "ABORTED" || code === "RESOURCE_EXHAUSTED";
}
