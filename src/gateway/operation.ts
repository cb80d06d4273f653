/**
 * The part of a request that runs inside `app.perform`: the rate limit, the body, the merged input,
 * the payload check (every placement), and the call itself — under its `Idempotency-Key` when the
 * route takes one.
 */
import type { IncomingMessage } from "node:http";
import type FindMyWay from "find-my-way";
import type { App, CallContext, Principal } from "../core/index.js";
import type { Authenticator, RouteAuth } from "./auth/index.js";
import { checkContentType, hasBody, parseJsonObject, readBody } from "./body.js";
import type { Cors } from "./cors.js";
import type { IdempotencyRecords } from "./idempotency.js";
import { checkRemotePayload, mergeParams, mergeQuery } from "./input.js";
import { renderProblem } from "./problem.js";
import type { CompiledRule, RateLimiter } from "./rate-limit.js";
import type { Route } from "./route.js";
import { type Answer, IDEMPOTENCY_ID, idempotencyId, runIdempotent } from "./run-idempotent.js";
import type { IdempotencyMode } from "./types.js";

export type { Answer } from "./run-idempotent.js";

/** A route as one app runs it. */
export interface CompiledRoute {
  readonly route: Route;
  readonly auth: RouteAuth;
  readonly rule: CompiledRule | undefined;
  readonly idempotency: IdempotencyMode | undefined;
  readonly status: number;
  readonly timeoutMs: number;
  /** The method runs in another process. */
  readonly remote: boolean;
}

/** What the handler needs, fixed when the gateway starts. */
export interface HandlerOptions {
  readonly app: App;
  readonly name: string;
  readonly router: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>;
  readonly methods: readonly FindMyWay.HTTPMethod[];
  readonly authenticator: Authenticator;
  readonly limiter: RateLimiter;
  readonly cors: Cors | undefined;
  readonly records: IdempotencyRecords | undefined;
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  readonly openapi: { readonly path: string; readonly body: string } | undefined;
  readonly trustProxy: boolean;
  readonly typeBase: string | undefined;
  /** Request headers (lowercase) copied into the call's metadata. */
  readonly metadataHeaders: readonly string[];
}

/**
 * Whether requests to `compiled` resolve to a whole {@link Answer} (a route taking an
 * `Idempotency-Key`, whose stored answer may be replayed) rather than to the method's output.
 */
export function answersWhole(o: HandlerOptions, compiled: CompiledRoute): boolean {
  return compiled.idempotency !== undefined && o.records !== undefined;
}

/** A routed request: what the operation reads of it. */
export interface RoutedRequest {
  readonly req: IncomingMessage;
  readonly compiled: CompiledRoute;
  readonly params: Record<string, string | undefined>;
  /** The URL's query string, without `?`. */
  readonly query: string;
  readonly path: string;
}

/**
 * The part of a request that runs as the gateway's operation (inside `app.perform`). Resolves to
 * the method's output, or to a whole answer when {@link answersWhole} says so (the handler turns
 * an output into its answer with {@link answerOf}: one promise fewer per request). Refusals before
 * the body is read are thrown synchronously (perform turns them into a rejection). Rate-limit
 * headers are added to `headers`.
 */
export function runOperation(
  o: HandlerOptions,
  ctx: CallContext,
  r: RoutedRequest,
  principal: Principal | undefined,
  headers: Record<string, string>,
): Promise<unknown> {
  const { req, compiled } = r;
  const { route } = compiled;
  if (compiled.rule !== undefined) {
    const caller =
      principal === undefined
        ? `ip:${clientAddress(o, req)}`
        : `p:${principal.kind ?? "user"}:${principal.id}`;
    Object.assign(headers, o.limiter.take(compiled.rule, `${route.key}|${caller}`));
  }
  if (route.method !== "GET" && hasBody(req)) {
    checkContentType(req.headers["content-type"]);
    return readBody(req, o.bodyLimit, o.bodyTimeoutMs).then((raw) =>
      proceed(o, ctx, r, principal, parseJsonObject(raw), raw),
    );
  }
  return proceed(o, ctx, r, principal, {});
}

/**
 * Merges the input, checks it would fit a NATS message (in every placement), and calls (under a
 * key when asked).
 * `raw`: the request's body, when it had one.
 */
function proceed(
  o: HandlerOptions,
  ctx: CallContext,
  r: RoutedRequest,
  principal: Principal | undefined,
  input: Record<string, unknown>,
  raw?: Buffer,
): Promise<unknown> {
  const { req, compiled, query, path } = r;
  const { route } = compiled;
  mergeQuery(input, query, route.coercers);
  mergeParams(input, r.params, route.params, route.coercers);
  // Checked in every placement, remote method or not: a request one process accepts must not be
  // refused once its method is moved to another process.
  const app = o.app;
  const approx = (raw?.length ?? 0) + query.length;
  checkRemotePayload(input, approx, app.config.maxPayload, principal, app.name);
  if (compiled.idempotency === undefined || o.records === undefined) {
    return call(ctx, compiled, input);
  }
  return runIdempotent({
    records: o.records,
    mode: compiled.idempotency,
    header: req.headers["idempotency-key"],
    principal,
    fingerprint: { method: route.method, target: req.url ?? path, body: raw },
    lockMs: ctx.remaining() + 5000,
    call: () => call(ctx, compiled, input).then((output) => answerOf(compiled, output)),
    problem: (error) =>
      renderProblem(error, { instance: path, traceId: ctx.trace.traceId, typeBase: o.typeBase }),
    onStoreError: (err) => ctx.logger.error({ err }, "could not store an idempotent answer"),
  });
}

/** Calls the route's method with the caller's context. */
function call(ctx: CallContext, compiled: CompiledRoute, input: unknown): Promise<unknown> {
  const client = ctx.client(compiled.route.contract) as Record<
    string,
    (input: unknown) => Promise<unknown>
  >;
  return (client[compiled.route.operation] as (input: unknown) => Promise<unknown>)(input);
}

/**
 * The answer carrying a method's output: JSON with the route's status, or 204 with no body for a
 * 204 route or no output. Throws when the output cannot be written as JSON (a BigInt, a cycle).
 */
export function answerOf(compiled: CompiledRoute, output: unknown): Answer {
  const empty = compiled.status === 204 || output === undefined;
  return {
    status: empty && compiled.status === 200 ? 204 : compiled.status,
    body: empty ? undefined : JSON.stringify(output),
    contentType: "application/json",
  };
}

/**
 * The call's metadata: the configured request headers (values of at most 1 KiB), and under an
 * `Idempotency-Key` the key's `idempotency-id` (run-idempotent.ts), which wins over a header of
 * that name.
 */
export function metadataOf(
  o: HandlerOptions,
  req: IncomingMessage,
  compiled: CompiledRoute,
  principal: Principal | undefined,
): Record<string, string> | undefined {
  const id = answersWhole(o, compiled)
    ? idempotencyId(principal, req.headers["idempotency-key"])
    : undefined;
  if (o.metadataHeaders.length === 0 && id === undefined) return undefined;
  const metadata: Record<string, string> = {};
  for (const name of o.metadataHeaders) {
    const value = req.headers[name];
    if (typeof value === "string" && value.length <= 1024) metadata[name] = value;
  }
  if (id !== undefined) metadata[IDEMPOTENCY_ID] = id;
  return metadata;
}

/** The client's address for rate limits: the socket's, or the proxy's last X-Forwarded-For. */
function clientAddress(o: HandlerOptions, req: IncomingMessage): string {
  const forwarded = o.trustProxy ? req.headers["x-forwarded-for"] : undefined;
  if (typeof forwarded === "string" && forwarded !== "") {
    return forwarded.slice(forwarded.lastIndexOf(",") + 1).trim();
  }
  return req.socket.remoteAddress ?? "unknown";
}
