/**
 * Exponential backoff with jitter: how long to wait before attempt n. "Full jitter" (a random wait
 * between 0 and the exponential cap) spreads retries of many callers so they do not arrive
 * together after an outage.
 */
import { type Duration, toMilliseconds } from "../core/index.js";

/** Options of {@link exponentialBackoff}. */
export interface BackoffOptions {
  /** Wait before the first retry (before jitter). Default `"50ms"`. */
  initial?: Duration;
  /** Largest wait. Default `"2s"`. */
  max?: Duration;
  /** Growth per attempt. Default 2. */
  multiplier?: number;
  /**
   * `"full"`: uniform in [0, cap]; `"equal"`: cap/2 + uniform in [0, cap/2]; `"spread"`: uniform
   * in [cap/2, 3·cap/2] (around the cap, so up to half above `max`); `"none"`. Default `"full"`.
   */
  jitter?: "full" | "equal" | "spread" | "none";
  /** Random source in [0, 1); replaced in tests. Default `Math.random`. */
  random?: () => number;
}

/** Milliseconds to wait before retry number `attempt` (1 = the first retry). */
export type Backoff = (attempt: number) => number;

/** Makes an exponential backoff with jitter. */
export function exponentialBackoff(options: BackoffOptions = {}): Backoff {
  const initial = toMilliseconds(options.initial ?? "50ms", "initial");
  const max = toMilliseconds(options.max ?? "2s", "max");
  const multiplier = options.multiplier ?? 2;
  const jitter = options.jitter ?? "full";
  const random = options.random ?? Math.random;
  return (attempt) => {
    const cap = Math.min(max, initial * multiplier ** Math.max(0, attempt - 1));
    if (jitter === "none") return cap;
    if (jitter === "equal") return cap / 2 + random() * (cap / 2);
    if (jitter === "spread") return cap * (0.5 + random());
    return random() * cap;
  };
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
