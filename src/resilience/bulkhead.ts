/**
 * A bulkhead as client middleware: at most `maxConcurrent` calls in flight per called service,
 * up to `maxQueue` more waiting; beyond that a call fails at once with RESOURCE_EXHAUSTED
 * `BULKHEAD_FULL`, so one slow dependency cannot take every resource of the caller. A waiting
 * call gives up at its deadline, or when its caller cancels it, and then never runs.
 */
import { type Middleware, resourceExhausted } from "../core/index.js";
import { createSemaphore, type Semaphore } from "./semaphore.js";

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Calls in flight per service. Default 64. */
  maxConcurrent?: number;
  /** Calls waiting per service. Default 256. */
  maxQueue?: number;
}

/** Bulkhead middleware for clients; one compartment per called service. */
export function bulkhead(options: BulkheadOptions = {}): Middleware {
  const maxConcurrent = options.maxConcurrent ?? 64;
  const maxQueue = options.maxQueue ?? 256;
  const compartments = new Map<string, Semaphore>();
  return (next) => async (ctx, input) => {
    let compartment = compartments.get(ctx.service);
    if (compartment === undefined) {
      compartment = createSemaphore(maxConcurrent);
      compartments.set(ctx.service, compartment);
    }
    if (!compartment.tryAcquire()) {
      if (compartment.waiting >= maxQueue) {
        throw resourceExhausted("BULKHEAD_FULL", `too many calls to ${ctx.service} in flight`, {
          metadata: {
            limit: "maxConcurrent",
            maxConcurrent: String(maxConcurrent),
            maxQueue: String(maxQueue),
          },
          mayHaveRun: false,
        });
      }
      // The call's signal aborts at its deadline, when its caller cancels and at shutdown: a
      // call nobody waits for any more leaves the queue at once and never runs. (A timer here
      // would fire at once for a deadline past Node's largest timer, and lag the caller's.)
      await compartment.acquire(ctx.signal);
    }
    try {
      return await next(ctx, input);
    } finally {
      compartment.release();
    }
  };
}
