/**
 * What a failure says when it leaves this process over NATS. Errors of the call path itself
 * (UNAVAILABLE, DEADLINE_EXCEEDED, CANCELLED and the server-side INTERNAL, UNKNOWN, DATA_LOSS)
 * usually come from a call the handler made, and their message and metadata name it
 * ("catalog.getProduct: no answer before the deadline"): sent as they are, they would tell an
 * outside caller which services call which. They cross with their code, reason, `retryable` and
 * `mayHaveRun` and a message naming only the method that was called; the full error stays in
 * this process's log and in the call's trace (its server span). Errors a handler raises on
 * purpose (not found, invalid argument, failed precondition, …) cross unchanged.
 */
import { type ErrorCode, type Logger, normalizeError, WeftError } from "../../core/index.js";

const SAYS: Partial<Record<ErrorCode, string>> = {
  UNAVAILABLE: "a service it needs is unavailable; try again later",
  DEADLINE_EXCEEDED: "did not complete before its deadline",
  CANCELLED: "was cancelled before it completed",
  INTERNAL: "failed",
  UNKNOWN: "failed",
  DATA_LOSS: "failed",
};

/** The error to send to the caller of `service.method` for `thrown` (see the module comment). */
export function outsideError(
  thrown: unknown,
  service: string,
  method: string,
  logger: Logger,
): WeftError {
  const error = normalizeError(thrown);
  const says = SAYS[error.code];
  if (says === undefined) return error;
  const message = `${service}.${method}: ${says} (${error.reason})`;
  if (message === error.message && Object.keys(error.metadata).length === 0) return error;
  logger.info(
    { err: error, service, method, code: error.code, reason: error.reason },
    `${service}.${method} failed; its caller gets code and reason only`,
  );
  return new WeftError(error.code, error.reason, message, {
    retryable: error.retryable,
    mayHaveRun: error.mayHaveRun,
  });
}
