/**
 * Retries as client middleware. A failed call is retried only when that cannot run the method
 * twice by surprise: the error must be retryable (UNAVAILABLE, ABORTED, RESOURCE_EXHAUSTED, or
 * flagged so) AND either the method is idempotent or the error says the callee never ran
 * (`mayHaveRun: false`, e.g. no responders). It makes at most `attempts` (default 5) and never
 * outlives the caller's deadline: when the next wait would cross it, the last error is returned.
 * A call refused because the process has no connection to its broker (`NOT_CONNECTED`) is retried
 * only while the connection has been down less than `reconnectWait`: a failover is waited out, an
 * outage answers at once.
 */
import {
  type CallContext,
  type Duration,
  type Handler,
  type Middleware,
  normalizeError,
  toMilliseconds,
  type WeftError,
} from "../core/index.js";
import { type Backoff, type BackoffOptions, exponentialBackoff, sleep } from "./backoff.js";

/** Options of {@link retry}. */
export interface RetryOptions {
  /**
   * Most attempts in all, first included. Default 5 (at most four waits of 50, 100, 200 and 400 ms
   * before jitter). The caller's deadline ends retries earlier. To ride out a broker restart or
   * failover, raise it (`Infinity` retries until the deadline) and the backoff with it.
   */
  attempts?: number;
  /** Waits between attempts. Default: exponential, 50 ms doubling to 2 s, full jitter. */
  backoff?: Backoff | BackoffOptions;
  /**
   * How long after its connection to the broker was lost a process still retries calls refused
   * with `NOT_CONNECTED` (long enough for a reconnect to another server). Default 2 s.
   */
  reconnectWait?: Duration;
  /** Called before each retry (for metrics and tests). */
  onRetry?: (event: {
    service: string;
    method: string;
    attempt: number;
    error: unknown;
    waitMs: number;
  }) => void;
}

/** Attempts in all when {@link RetryOptions.attempts} is not given. */
const DEFAULT_ATTEMPTS = 5;

/** Retry middleware for clients (see the module comment for when it retries). */
export function retry(options: RetryOptions = {}): Middleware {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  if (!(attempts === Number.POSITIVE_INFINITY || Number.isInteger(attempts)) || attempts < 1) {
    throw new RangeError(`retry attempts must be a whole number >= 1 (got ${attempts})`);
  }
  const backoff =
    typeof options.backoff === "function" ? options.backoff : exponentialBackoff(options.backoff);
  const reconnectWait = toMilliseconds(options.reconnectWait ?? 2000, "reconnectWait");
  // Refused because the connection is gone for longer than a reconnect takes: an outage.
  const outage = (e: WeftError) =>
    e.reason === "NOT_CONNECTED" && Number(e.metadata.disconnectedMs ?? 0) >= reconnectWait;
  // The first attempt costs one `.then`; the retry loop is entered only after a failure.
  const again = async (
    next: Handler,
    ctx: CallContext,
    input: unknown,
    first: unknown,
  ): Promise<unknown> => {
    // What the callee last said: an open circuit alone is a poor final answer to the caller.
    let cause: WeftError | undefined;
    let thrown = first;
    for (let attempt = 1; ; attempt++) {
      const latest = normalizeError(thrown);
      if (latest.reason !== "CIRCUIT_OPEN") cause = latest;
      const error = cause ?? latest;
      const safe = latest.retryable && (ctx.idempotent || !latest.mayHaveRun);
      if (!safe || attempt >= attempts || outage(latest)) throw error;
      const waitMs = backoff(attempt);
      // Leave the caller time for one more attempt; never wait past the deadline.
      if (Date.now() + waitMs >= ctx.deadline) throw error;
      options.onRetry?.({ service: ctx.service, method: ctx.method, attempt, error, waitMs });
      await sleep(waitMs, ctx.signal);
      // The wait can end late (a stalled event loop) with the deadline already gone, before
      // the deadline timer has aborted the call: then there is no time for another attempt.
      if (Date.now() >= ctx.deadline) throw error;
      try {
        return await next(ctx, input);
      } catch (e) {
        thrown = e;
      }
    }
  };
  return (next) => (ctx, input) => {
    let first: Promise<unknown>;
    try {
      first = next(ctx, input);
    } catch (e) {
      first = Promise.reject(e);
    }
    return first.then(undefined, (e: unknown) => again(next, ctx, input, e));
  };
}
