/**
 * The gateway's options, as users write them. Every option says its default; `defineGateway`
 * checks them all at definition and names the bad field.
 */
import type { AnyContract, Duration, MethodSpec } from "../core/index.js";
import type { Coercer } from "./coerce.js";
import type { JsonSchema } from "./json-schema.js";

/** Who may call a route: `required` (401 without valid credentials), `optional`, or `none`. */
export type AuthMode = "required" | "optional" | "none";

/** Whether a non-idempotent route takes an `Idempotency-Key` header, and if it must. */
export type IdempotencyMode = "optional" | "required";

/** HTTP methods a route may use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * JWT verification. Values from the app's config (`WEFT_JWT_*`, `WEFT_JWKS_URL`) win over these,
 * as environment variables win over a definition's config.
 */
export interface JwtOptions {
  /** Required `iss`. Needed whenever JWTs are verified. */
  issuer?: string;
  /** Required `aud` (one of them). Needed whenever JWTs are verified. */
  audience?: string | readonly string[];
  /** URL of a JWKS document (RS256/PS256/ES256/ES384/EdDSA keys, fetched and cached). */
  jwksUrl?: string;
  /** A PEM (SPKI) public key (RSA, EC or Ed25519). */
  publicKey?: string;
  /** An HS256 shared secret, at least 32 characters. */
  secret?: string;
  /**
   * Accepted `alg` values. Default: from the keys given (HS256 for a secret; RS256 and PS256 for
   * an RSA key; ES256/ES384/ES512 for EC keys by curve; EdDSA for Ed25519; for a JWKS RS256,
   * PS256, ES256, ES384, EdDSA). `none` is never accepted.
   */
  algorithms?: readonly string[];
  /** Allowed clock difference for `exp` and `nbf`. Default `"30s"`. */
  clockTolerance?: Duration;
}

/** An API key, stored as the hex SHA-256 of the key (never the key itself). */
export interface ApiKeyEntry {
  /** The principal id of callers using this key (e.g. `"billing-batch"`). */
  id: string;
  /** Lowercase hex SHA-256 of the key: `printf %s "$KEY" | sha256sum`. */
  sha256: string;
  /** Scopes granted to this key. Default none. */
  scopes?: readonly string[];
}

/** How callers authenticate. */
export interface GatewayAuthOptions {
  /** Auth of routes that do not set theirs. Default `required`. */
  default?: AuthMode;
  /** Bearer JWTs (`Authorization: Bearer …`). */
  jwt?: JwtOptions;
  /** API keys (`x-api-key: …` or `Authorization: ApiKey …`). */
  apiKeys?: readonly ApiKeyEntry[];
}

/** A rate limit: `limit` requests per `window`, per route and caller (principal, else IP). */
export interface RateLimitRule {
  /** Requests allowed per window (also the burst). */
  limit: number;
  /** The window, e.g. `"1m"`. */
  window: Duration;
  /** Policy name in the `RateLimit` headers. Default `"default"`. */
  name?: string;
}

/** Cross-origin requests from browsers. */
export interface CorsOptions {
  /** Allowed origins (`"https://shop.example"`), or `"*"` for any. */
  origins: readonly string[] | "*";
  /** Allow cookies and credentials (never with `"*"`). Default false. */
  credentials?: boolean;
  /** How long browsers may cache a preflight answer. Default `"10m"`. */
  maxAge?: Duration;
  /**
   * Request headers browsers may send. Default: content-type, authorization, x-api-key,
   * idempotency-key, traceparent.
   */
  allowHeaders?: readonly string[];
}

/** Idempotency records. */
export interface IdempotencyOptions {
  /** How long a stored response is replayed. Default `"24h"`. */
  retention?: Duration;
  /** How often expired records are deleted. Default `"10m"`. */
  cleanupInterval?: Duration;
}

/** Timeouts of the HTTP server. */
export interface GatewayTimeouts {
  /** Time to receive a request's headers (slow clients are cut off). Default `"10s"`. */
  headers?: Duration;
  /** Time to receive a whole request. Default `"30s"`. */
  request?: Duration;
  /** Time to receive a request's body once its headers arrived. Default `"10s"`. */
  body?: Duration;
  /** How long an idle keep-alive connection stays open. Default `"5s"`. */
  keepAlive?: Duration;
  /** Deadline of the call a request makes. Default: the app's `callTimeout` (30 s). */
  call?: Duration;
}

/** The `info` object of the OpenAPI document. */
export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Options of a route (the fourth argument of `route`). */
export interface RouteOptions {
  /** Who may call it. Default: the gateway's `auth.default`. */
  auth?: AuthMode;
  /** Scopes the caller must all have (403 otherwise; 401 without credentials). Default none. */
  scopes?: readonly string[];
  /** `Idempotency-Key` handling; only for methods not declared idempotent. Default: none. */
  idempotency?: IdempotencyMode;
  /** A rate limit for this route, or `false` for none. Default: the gateway's `rateLimit`. */
  rateLimit?: RateLimitRule | false;
  /** Status of a success. Default 200 (204 sends no body). */
  status?: number;
  /** For OpenAPI. Default: the method's description. */
  description?: string;
  /** OpenAPI tags. Default: the service's name. */
  tags?: readonly string[];
  /** Deadline of the call. Default: the gateway's `timeouts.call`. */
  timeout?: Duration;
  /**
   * Coerce path and query strings with the input's JSON Schema. Default true; set false to pass
   * them as strings when the schema library offers no JSON Schema.
   */
  coerce?: boolean;
}

/** Options of `defineGateway`. */
export interface GatewayOptions {
  /** The routes, made with `route(...)`. */
  routes: readonly Route[];
  /** Authentication. Default: no credentials are checked and routes default to `none`. */
  auth?: GatewayAuthOptions;
  /** Largest request body, in bytes or as `"512KiB"`/`"1MiB"`. Default 1 MiB. */
  bodyLimit?: number | string;
  /** Largest request head (request line and headers), in bytes. Default 16 KiB. */
  maxHeaderSize?: number;
  timeouts?: GatewayTimeouts;
  /** Default rate limit of every route. Default none. */
  rateLimit?: RateLimitRule;
  /** Cross-origin requests. Default: none allowed (no CORS headers). */
  cors?: CorsOptions;
  idempotency?: IdempotencyOptions;
  /** The OpenAPI document route. Default `{ path: "/openapi.json" }`; `false` serves none. */
  openapi?: false | { path?: string; info?: Partial<OpenApiInfo> };
  /** Listen address. Default: the app's config `http.host` (WEFT_HTTP_HOST, `0.0.0.0`). */
  host?: string;
  /** Listen port. Default: the app's config `http.port` (WEFT_HTTP_PORT, 3000; 0 = free). */
  port?: number;
  /**
   * Behind a reverse proxy: take the client address for rate limits from the last
   * `X-Forwarded-For` entry (the one the proxy added). Default false (the socket's address).
   */
  trustProxy?: boolean;
  /** Prefix of problem `type` URIs (`<base><reason>`). Default: `about:blank`. */
  problemTypeBase?: string;
  /**
   * Request headers copied into the call's metadata (`ctx.metadata`, passed on to every call it
   * makes), e.g. `["x-request-id", "accept-language"]`. Default none.
   */
  metadataHeaders?: readonly string[];
}

/** Where a running gateway listens, as `app.use(GATEWAY)` gives it. */
export interface GatewayInfo {
  /** The gateway's service name. */
  readonly name: string;
  /** Base URL, e.g. `http://127.0.0.1:3000` (a wildcard address shows as loopback). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The route table, e.g. `GET /products/:id`. */
  readonly routes: readonly string[];
  /** Path of the OpenAPI document, when served. */
  readonly openapiPath: string | undefined;
}

/** A route: what `route(...)` returns and `defineGateway` takes. */
export interface Route<C extends AnyContract = AnyContract> {
  readonly kind: "weft.route";
  /** `METHOD /path`, as written, e.g. `GET /products/:id`. */
  readonly key: string;
  readonly method: HttpMethod;
  /** The path with `:name` parameters. */
  readonly path: string;
  /** Names of the path parameters, in order. */
  readonly params: readonly string[];
  readonly contract: C;
  /** The contract method called. */
  readonly operation: string;
  readonly spec: MethodSpec;
  readonly options: Readonly<RouteOptions>;
  /** JSON Schema of the method's input, when its schema library offers one. */
  readonly inputSchema: JsonSchema | undefined;
  /** Coercers of the input's fields, for path and query strings. */
  readonly coercers: ReadonlyMap<string, Coercer>;
}

/** A checked gateway definition: its name, routes and options. */
export interface GatewayDefinition {
  readonly name: string;
  readonly routes: readonly Route[];
  readonly options: Readonly<GatewayOptions>;
}
