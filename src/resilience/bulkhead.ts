/**
 * A bulkhead as client middleware: at most `maxConcurrent` calls in flight per called service,
 * up to `maxQueue` more waiting; beyond that a call fails at once with RESOURCE_EXHAUSTED
 * `BULKHEAD_FULL`, so one slow dependency cannot take every resource of the caller. A waiting
 * call gives up at its deadline, or when its caller cancels it, and then never runs.
 */
import { type Middleware, resourceExhausted } from "../core/index.js";

/** Options of {@link bulkhead}. */
export interface BulkheadOptions {
  /** Calls in flight per service. Default 64. */
  maxConcurrent?: number;
  /** Calls waiting per service. Default 256. */
  maxQueue?: number;
}

interface Compartment {
  active: number;
  waiting: (() => void)[];
}

/** Bulkhead middleware for clients; one compartment per called service. */
export function bulkhead(options: BulkheadOptions = {}): Middleware {
  const maxConcurrent = options.maxConcurrent ?? 64;
  const maxQueue = options.maxQueue ?? 256;
  const compartments = new Map<string, Compartment>();
  return (next) => async (ctx, input) => {
    let c = compartments.get(ctx.service);
    if (c === undefined) {
      c = { active: 0, waiting: [] };
      compartments.set(ctx.service, c);
    }
    const compartment = c;
    if (compartment.active >= maxConcurrent) {
      if (compartment.waiting.length >= maxQueue) {
        throw resourceExhausted("BULKHEAD_FULL", `too many calls to ${ctx.service} in flight`, {
          metadata: {
            limit: "maxConcurrent",
            maxConcurrent: String(maxConcurrent),
            maxQueue: String(maxQueue),
          },
          mayHaveRun: false,
        });
      }
      await new Promise<void>((resolve, reject) => {
        const signal = ctx.signal;
        const turn = () => {
          signal.removeEventListener("abort", leave);
          resolve();
        };
        // The call's signal aborts at its deadline, when its caller cancels and at shutdown: a
        // call nobody waits for any more leaves the queue at once and never runs. (A timer here
        // would fire at once for a deadline past Node's largest timer, and lag the caller's.)
        const leave = () => {
          const i = compartment.waiting.indexOf(turn);
          if (i >= 0) compartment.waiting.splice(i, 1);
          reject(signal.reason);
        };
        if (signal.aborted) {
          reject(signal.reason);
          return;
        }
        signal.addEventListener("abort", leave, { once: true });
        compartment.waiting.push(turn);
      });
    } else {
      compartment.active += 1;
    }
    try {
      return await next(ctx, input);
    } finally {
      const nextTurn = compartment.waiting.shift();
      // The slot passes straight to the next waiter; otherwise it is freed.
      if (nextTurn !== undefined) nextTurn();
      else compartment.active -= 1;
    }
  };
}
