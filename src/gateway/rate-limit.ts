/**
 * Rate limits per route and caller (the principal, or the client address for anonymous callers),
 * kept in this gateway instance's memory: N instances behind a load balancer allow up to N times
 * the limit. A token bucket of `limit` tokens refilled over `window` answers each request, and its
 * state is advertised with the `RateLimit-Policy` and `RateLimit` fields of
 * draft-ietf-httpapi-ratelimit-headers-10 (structured fields, e.g. `"default";q=100;w=60` and
 * `"default";r=42;t=1`), plus `Retry-After` on a 429.
 */
import { toMilliseconds } from "../core/index.js";
import { edgeError } from "./problem.js";
import type { RateLimitRule } from "./types.js";

/** A rule ready for use. */
export interface CompiledRule {
  readonly name: string;
  readonly limit: number;
  readonly windowMs: number;
  /** Tokens per millisecond. */
  readonly rate: number;
  /** The `RateLimit-Policy` field value. */
  readonly policy: string;
}

/** Compiles a rule checked by `defineGateway`. */
export function compileRule(rule: RateLimitRule): CompiledRule {
  const windowMs = toMilliseconds(rule.window);
  const name = rule.name ?? "default";
  return {
    name,
    limit: rule.limit,
    windowMs,
    rate: rule.limit / windowMs,
    policy: `"${name}";q=${rule.limit};w=${Math.ceil(windowMs / 1000)}`,
  };
}

interface Bucket {
  tokens: number;
  at: number;
  readonly rule: CompiledRule;
}

/** Most buckets kept; past this, idle buckets are dropped at once. */
const MAX_BUCKETS = 100_000;

/** Token buckets of one gateway instance. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes one token for `key` under `rule`. Returns the response headers to send; throws 429
   * (RESOURCE_EXHAUSTED `RATE_LIMITED`) with them and `Retry-After` when the bucket is empty.
   */
  take(rule: CompiledRule, key: string): Record<string, string> {
    const t = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.sweep();
      bucket = { tokens: rule.limit, at: t, rule };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(rule.limit, bucket.tokens + (t - bucket.at) * rule.rate);
      bucket.at = t;
    }
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - bucket.tokens) / rule.rate / 1000));
      throw edgeError(
        429,
        "RESOURCE_EXHAUSTED",
        "RATE_LIMITED",
        `rate limit of ${rule.limit} requests per ${rule.windowMs / 1000} s reached`,
        {
          metadata: {
            limit: "rateLimit",
            policy: rule.name,
            retryAfterSeconds: String(retryAfter),
          },
          retryable: true,
          headers: {
            "ratelimit-policy": rule.policy,
            ratelimit: `"${rule.name}";r=0;t=${retryAfter}`,
            "retry-after": String(retryAfter),
          },
        },
      );
    }
    bucket.tokens -= 1;
    // `t`: seconds until more quota is available (0 when the bucket is full).
    const missing = rule.limit - bucket.tokens;
    const reset =
      missing <= 0 ? 0 : Math.ceil((missing - Math.floor(missing) || 1) / rule.rate / 1000);
    return {
      "ratelimit-policy": rule.policy,
      ratelimit: `"${rule.name}";r=${Math.floor(bucket.tokens)};t=${reset}`,
    };
  }

  /** Drops buckets that have refilled (their callers are idle): bounds memory under floods. */
  sweep(): void {
    const t = this.now();
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + (t - bucket.at) * bucket.rule.rate >= bucket.rule.limit)
        this.buckets.delete(key);
    }
    // Still full of active callers: drop the oldest (a dropped bucket starts full again).
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < MAX_BUCKETS) break;
      this.buckets.delete(key);
    }
  }

  /** How many buckets are kept (for tests). */
  get size(): number {
    return this.buckets.size;
  }
}
