/**
 * Resilience primitives and middleware, usable with any transport: backoff with jitter, retries
 * (only when safe, never past the deadline), a circuit breaker per service, a bulkhead, and rate
 * limits. Apps made with `createApp` from `weft` get `retry()` and `circuitBreaker()` on every
 * outgoing call by default.
 *
 * @example
 * ```ts
 * import { bulkhead, retry } from "weft/resilience";
 * defineApp({ ..., middleware: { client: [bulkhead({ maxConcurrent: 32 })] } });
 * ```
 */
export { type Backoff, type BackoffOptions, exponentialBackoff, sleep } from "./backoff.js";
export { type BulkheadOptions, bulkhead } from "./bulkhead.js";
export {
  type CircuitBreakerOptions,
  type CircuitState,
  circuitBreaker,
} from "./circuit-breaker.js";
export { type RateLimitOptions, rateLimit } from "./rate-limit.js";
export { type RetryOptions, retry } from "./retry.js";
