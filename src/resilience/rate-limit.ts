/**
 * A token-bucket rate limit as middleware (client or server side), per service or per any key.
 * A call over the limit fails at once with RESOURCE_EXHAUSTED `RATE_LIMITED` and metadata
 * `retryAfterMs`; it is never queued. Limits are per process (per app instance).
 */
import { type CallContext, type Middleware, resourceExhausted } from "../core/index.js";

/** Options of {@link rateLimit}. */
export interface RateLimitOptions {
  /** Calls allowed per second, sustained. */
  perSecond: number;
  /** Calls allowed in a burst. Default: `perSecond`. */
  burst?: number;
  /** What one bucket counts. Default: the called service. */
  key?: (ctx: CallContext) => string;
  /** Clock in ms; replaced in tests. Default `Date.now`. */
  now?: () => number;
}

/** Rate limit middleware (token bucket). */
export function rateLimit(options: RateLimitOptions): Middleware {
  if (!(options.perSecond > 0)) throw new RangeError("rateLimit perSecond must be > 0");
  const burst = options.burst ?? options.perSecond;
  const key = options.key ?? ((ctx: CallContext) => ctx.service);
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return (next) => (ctx, input) => {
    const k = key(ctx);
    const t = now();
    const b = buckets.get(k) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * options.perSecond);
    b.at = t;
    buckets.set(k, b);
    if (b.tokens < 1) {
      const retryAfterMs = Math.ceil(((1 - b.tokens) / options.perSecond) * 1000);
      return Promise.reject(
        resourceExhausted("RATE_LIMITED", `rate limit of ${options.perSecond}/s reached for ${k}`, {
          metadata: {
            limit: "perSecond",
            perSecond: String(options.perSecond),
            retryAfterMs: String(retryAfterMs),
          },
          mayHaveRun: false,
        }),
      );
    }
    b.tokens -= 1;
    return next(ctx, input);
  };
}
