/**
 * What a handler's failure says when it merely lets through the failure of a call it made.
 * Failures of the call path (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED) name the call that failed
 * ("catalog.getProduct: no answer before the deadline"): passed on as they are, they would tell
 * the handler's own caller — an outside client, in the end — which services call which. Such a
 * failure leaves the handler with its code, reason, `retryable` and `mayHaveRun` and a message
 * naming only the handler's own method; the original stays in the log (with the trace ids) and in
 * the trace (the client span of the call that failed). Errors a handler raises itself, and any
 * other code (not found, invalid argument, …), pass unchanged. The same in every placement.
 */

import type { ErrorCode } from "./error-codes.js";
import { WeftError } from "./errors.js";
import type { Logger } from "./logger.js";

/** The context of the handler that made a call, if any. */
interface MadeBy {
  readonly parent: object | undefined;
}

/** Errors calls failed with, and the call (so a handler's rethrow of one is recognized). */
const callFailures = new WeakMap<WeftError, MadeBy>();

/** Notes that the call `ctx` failed with `error` (the caller's side of the call path). */
export function noteCallFailure(error: WeftError, ctx: MadeBy): WeftError {
  callFailures.set(error, ctx);
  return error;
}

const SAYS: Partial<Record<ErrorCode, string>> = {
  UNAVAILABLE: "a service it needs is unavailable; try again later",
  DEADLINE_EXCEEDED: "a call it made did not complete in time",
  CANCELLED: "a call it made was cancelled",
};

/**
 * The error the caller of `service.method` gets when its handler failed with `error`: the same,
 * unless it is a call-path failure of a call the handler made (see the module comment).
 */
export function ownFailure(
  error: WeftError,
  handler: { readonly service: string; readonly method: string; readonly logger: Logger },
): WeftError {
  // Only a call this handler made: not its own call's failure (served in the same context).
  if (callFailures.get(error)?.parent !== handler) return error;
  const says = SAYS[error.code];
  if (says === undefined) return error;
  const { service, method, logger } = handler;
  logger.warn({ err: error }, `${service}.${method} failed: ${error.message}`);
  return new WeftError(error.code, error.reason, `${service}.${method}: ${says}`, {
    retryable: error.retryable,
    mayHaveRun: error.mayHaveRun,
  });
}
