/**
 * CORS for browser callers: an allowlist of origins, answers to preflight requests (`OPTIONS` with
 * `Access-Control-Request-Method`), and the response headers that let scripts read answers.
 * Requests from origins not on the list get no CORS headers (the browser then hides the answer);
 * their preflights are refused with 403.
 */
import { toMilliseconds } from "../core/index.js";
import { edgeError } from "./problem.js";
import type { CorsOptions } from "./types.js";

const DEFAULT_HEADERS = [
  "content-type",
  "authorization",
  "x-api-key",
  "idempotency-key",
  "traceparent",
];
const EXPOSED = [
  "traceparent",
  "x-trace-id",
  "ratelimit",
  "ratelimit-policy",
  "retry-after",
  "idempotency-replayed",
].join(", ");

/** CORS rules ready for use. */
export class Cors {
  private readonly origins: ReadonlySet<string> | "*";
  private readonly allowHeaders: string;
  private readonly maxAge: string;

  constructor(private readonly options: CorsOptions) {
    this.origins = options.origins === "*" ? "*" : new Set(options.origins);
    this.allowHeaders = (options.allowHeaders ?? DEFAULT_HEADERS).join(", ");
    this.maxAge = String(Math.floor(toMilliseconds(options.maxAge ?? "10m") / 1000));
  }

  private allows(origin: string | undefined): origin is string {
    return origin !== undefined && (this.origins === "*" || this.origins.has(origin));
  }

  /** Headers for an actual (non-preflight) response to a request from `origin`. */
  headers(origin: string | undefined): Record<string, string> | undefined {
    if (!this.allows(origin)) return undefined;
    const wildcard = this.origins === "*" && this.options.credentials !== true;
    const out: Record<string, string> = {
      "access-control-allow-origin": wildcard ? "*" : origin,
      "access-control-expose-headers": EXPOSED,
    };
    if (!wildcard) out.vary = "Origin";
    if (this.options.credentials === true) out["access-control-allow-credentials"] = "true";
    return out;
  }

  /**
   * The answer to a preflight from `origin` for a path served with `methods`. Throws 403 for an
   * origin not on the list.
   */
  preflight(origin: string | undefined, methods: readonly string[]): Record<string, string> {
    const base = this.headers(origin);
    if (base === undefined) {
      throw edgeError(
        403,
        "PERMISSION_DENIED",
        "CORS_ORIGIN_DENIED",
        `origin ${origin ?? "(none)"} may not call this API`,
      );
    }
    return {
      ...base,
      "access-control-allow-methods": methods.join(", "),
      "access-control-allow-headers": this.allowHeaders,
      "access-control-max-age": this.maxAge,
    };
  }
}
