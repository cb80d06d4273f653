/**
 * The one error type of Weft. It crosses every transport with its code, reason, message, metadata
 * and field issues intact (see `error-wire.ts`). Throw it from handlers and steps; anything else
 * thrown is normalized to `INTERNAL` and its details are logged, never sent to the caller.
 *
 * @example
 * ```ts
 * import { notFound, isNotFound } from "weft";
 * throw notFound("PRODUCT_NOT_FOUND", `no product ${id}`, { metadata: { id } });
 * // caller side
 * try { await ctx.client(catalog).get({ id }) } catch (e) { if (isNotFound(e)) ... }
 * ```
 */
import { type ErrorCode, isRetryableByDefault } from "./error-codes.js";

const BRAND = Symbol.for("weft.error");
/** Marks errors whose creator said whether the callee may have run (so Weft does not guess). */
const SAID_MAY_HAVE_RUN = Symbol("weft.mayHaveRunSaid");

/** One problem found in an input or output, located by its path inside the value. */
export interface FieldIssue {
  /** Path segments from the root of the value, e.g. `["items", 0, "quantity"]`. */
  readonly path: readonly (string | number)[];
  /** What rule the value broke, in words. */
  readonly message: string;
}

/** Options shared by every error constructor. */
export interface ErrorOptions {
  /** String key/values for machines (ids, limits); they travel with the error. Default `{}`. */
  metadata?: Readonly<Record<string, string>>;
  /** The underlying error; kept in this process and logged, never sent over the wire. */
  cause?: unknown;
  /** Whether a retry may succeed. Default: true for UNAVAILABLE, ABORTED, RESOURCE_EXHAUSTED. */
  retryable?: boolean;
  /** True when the callee may have run before the call failed (e.g. a deadline hit mid-call). */
  mayHaveRun?: boolean;
  /** Field problems, for INVALID_ARGUMENT. Default `[]`. */
  issues?: readonly FieldIssue[];
}

/** A Weft error: code, stable UPPER_SNAKE reason, message, metadata, retryable, may-have-run. */
export class WeftError extends Error {
  /** The error's class, from a fixed set. */
  readonly code: ErrorCode;
  /** A stable, UPPER_SNAKE identifier of what went wrong, e.g. `PRODUCT_NOT_FOUND`. */
  readonly reason: string;
  /** String key/values for machines. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Whether a retry may succeed (a retry also needs an idempotent method). */
  readonly retryable: boolean;
  /** True when the callee may have run: the caller cannot assume nothing happened. */
  readonly mayHaveRun: boolean;
  /** Field problems, for INVALID_ARGUMENT. */
  readonly issues: readonly FieldIssue[];

  constructor(code: ErrorCode, reason: string, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "WeftError";
    this.code = code;
    this.reason = reason;
    this.metadata = options.metadata ?? {};
    this.retryable = options.retryable ?? isRetryableByDefault(code);
    this.mayHaveRun = options.mayHaveRun ?? false;
    if (options.mayHaveRun !== undefined)
      Object.defineProperty(this, SAID_MAY_HAVE_RUN, { value: true });
    this.issues = options.issues ?? [];
  }

  /**
   * A copy of this error with some fields changed. `mayHaveRun` stays unsaid (Weft infers it) unless
   * this error or `changes` says it.
   */
  with(changes: ErrorOptions & { message?: string }): WeftError {
    const options: ErrorOptions = {
      metadata: changes.metadata ?? this.metadata,
      cause: changes.cause ?? this.cause,
      retryable: changes.retryable ?? this.retryable,
      issues: changes.issues ?? this.issues,
    };
    if (changes.mayHaveRun !== undefined) options.mayHaveRun = changes.mayHaveRun;
    else if (saysWhetherItRan(this)) options.mayHaveRun = this.mayHaveRun;
    return new WeftError(this.code, this.reason, changes.message ?? this.message, options);
  }
}

Object.defineProperty(WeftError.prototype, BRAND, { value: true });

/**
 * Tells whether a value is a Weft error. Works across copies of the package (it checks a
 * registered symbol, not `instanceof`).
 */
export function isWeftError(value: unknown): value is WeftError {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<symbol, unknown>)[BRAND] === true
  );
}

/**
 * True when the error's creator set `mayHaveRun` explicitly (for example a handler refusing before
 * any effect with `mayHaveRun: false`); Weft then keeps it instead of inferring it.
 */
export function saysWhetherItRan(error: WeftError): boolean {
  return (error as unknown as Record<symbol, unknown>)[SAID_MAY_HAVE_RUN] === true;
}

/** Builds an error constructor for one code. */
function factory(code: ErrorCode) {
  return (reason: string, message?: string, options?: ErrorOptions): WeftError =>
    new WeftError(code, reason, message ?? reason, options);
}

/** Builds a predicate for one code. */
function predicate(code: ErrorCode) {
  return (value: unknown): value is WeftError => isWeftError(value) && value.code === code;
}

/** The request is malformed or breaks a schema; do not retry it unchanged. */
export const invalidArgument = factory("INVALID_ARGUMENT");
/** The thing asked for does not exist. */
export const notFound = factory("NOT_FOUND");
/** The thing to create exists already. */
export const alreadyExists = factory("ALREADY_EXISTS");
/** The system is not in a state that allows the operation. */
export const failedPrecondition = factory("FAILED_PRECONDITION");
/** The caller is known but may not do this. */
export const permissionDenied = factory("PERMISSION_DENIED");
/** The caller is not known (missing or invalid credentials). */
export const unauthenticated = factory("UNAUTHENTICATED");
/** A limit was hit (size, rate, quota); the metadata names it. */
export const resourceExhausted = factory("RESOURCE_EXHAUSTED");
/** The callee cannot be reached now; retryable. */
export const unavailable = factory("UNAVAILABLE");
/** The caller's deadline passed before an answer came. */
export const deadlineExceeded = factory("DEADLINE_EXCEEDED");
/** The call was cancelled by its caller or by shutdown. */
export const cancelled = factory("CANCELLED");
/** The operation was aborted by a conflict; retryable. */
export const aborted = factory("ABORTED");
/** The method does not exist on the callee. */
export const unimplemented = factory("UNIMPLEMENTED");
/** A bug or an unexpected failure on the callee. */
export const internal = factory("INTERNAL");
/** Data was lost or corrupted (e.g. a damaged journal row). */
export const dataLoss = factory("DATA_LOSS");

/** Tells whether a value is a Weft error with code INVALID_ARGUMENT. */
export const isInvalidArgument = predicate("INVALID_ARGUMENT");
/** Tells whether a value is a Weft error with code NOT_FOUND. */
export const isNotFound = predicate("NOT_FOUND");
/** Tells whether a value is a Weft error with code ALREADY_EXISTS. */
export const isAlreadyExists = predicate("ALREADY_EXISTS");
/** Tells whether a value is a Weft error with code FAILED_PRECONDITION. */
export const isFailedPrecondition = predicate("FAILED_PRECONDITION");
/** Tells whether a value is a Weft error with code PERMISSION_DENIED. */
export const isPermissionDenied = predicate("PERMISSION_DENIED");
/** Tells whether a value is a Weft error with code UNAUTHENTICATED. */
export const isUnauthenticated = predicate("UNAUTHENTICATED");
/** Tells whether a value is a Weft error with code RESOURCE_EXHAUSTED. */
export const isResourceExhausted = predicate("RESOURCE_EXHAUSTED");
/** Tells whether a value is a Weft error with code UNAVAILABLE. */
export const isUnavailable = predicate("UNAVAILABLE");
/** Tells whether a value is a Weft error with code DEADLINE_EXCEEDED. */
export const isDeadlineExceeded = predicate("DEADLINE_EXCEEDED");
/** Tells whether a value is a Weft error with code CANCELLED. */
export const isCancelled = predicate("CANCELLED");
/** Tells whether a value is a Weft error with code ABORTED. */
export const isAborted = predicate("ABORTED");
/** Tells whether a value is a Weft error with code DATA_LOSS. */
export const isDataLoss = predicate("DATA_LOSS");
/** Tells whether a value is a Weft error with code INTERNAL. */
export const isInternal = predicate("INTERNAL");

/**
 * Turns anything thrown into a Weft error. Weft errors pass through; anything else becomes
 * `INTERNAL` with a generic message, keeping the original only as `cause` (for logs).
 */
export function normalizeError(thrown: unknown): WeftError {
  if (isWeftError(thrown)) return thrown;
  return new WeftError("INTERNAL", "INTERNAL", "internal error", { cause: thrown });
}

/** Renders a field path the way messages show it: `items[0].quantity`. */
export function formatPath(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? segment : `.${segment}`;
  }
  return out === "" ? "(root)" : out;
}
