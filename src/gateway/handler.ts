/**
 * One request's way through the gateway: route lookup (404/405 otherwise), CORS preflight,
 * authentication and scopes, then — as `app.perform(...)`, so it has a call context with a trace,
 * a deadline, and is waited for on shutdown — the rate limit, the body, the input, the
 * idempotency record, and the call to the route's method. Every error becomes a problem document.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type FindMyWay from "find-my-way";
import {
  type CallContext,
  normalizeError,
  type Principal,
  type TraceContext,
  type WeftError,
} from "../core/index.js";
import { pathProblem } from "../core/path-limits.js";
import {
  type Answer,
  answerOf,
  answersWhole,
  type CompiledRoute,
  type HandlerOptions,
  metadataOf,
  type RoutedRequest,
  runOperation,
} from "./operation.js";
import { edgeError, renderProblem } from "./problem.js";
import { edgeTrace, send, traceHeaders } from "./respond.js";

/** A routed request waiting for its answer. */
interface Routed extends RoutedRequest {
  readonly res: ServerResponse;
  readonly cors: Record<string, string> | undefined;
}

/** Handles the requests of one running gateway. */
export class GatewayHandler {
  /** Taking requests (false before the app serves and once it drains). */
  open = false;
  private active = 0;
  private onIdle: (() => void) | undefined;

  constructor(private readonly o: HandlerOptions) {}

  /** Resolves when no request is being handled. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method ?? "GET";
    const cors = this.o.cors?.headers(req.headers.origin);
    if (method === "OPTIONS") {
      this.options(req, res, path);
      return;
    }
    if (method === "GET" && path === this.o.openapi?.path) {
      const headers: Record<string, string> = { ...cors };
      traceHeaders(edgeTrace(req), headers);
      send(res, 200, this.o.openapi.body, "application/json", headers);
      return;
    }
    const found = this.find(method, path);
    if (found === null) {
      this.refuse(req, res, path, this.unrouted(method, path), cors);
      return;
    }
    if (!this.open) {
      const error = edgeError(
        503,
        "UNAVAILABLE",
        "DRAINING",
        "the server is shutting down; try again",
        {
          headers: { connection: "close" },
        },
      );
      this.refuse(req, res, path, error, cors);
      return;
    }
    // From here the answer comes later: count the request until it is sent (drain waits for it).
    this.active++;
    const request: Routed = {
      req,
      res,
      compiled: found.store as CompiledRoute,
      params: found.params,
      query: q === -1 ? "" : url.slice(q + 1),
      path,
      cors,
    };
    if (request.compiled.auth.mode === "none") {
      this.perform(request, undefined);
      return;
    }
    this.o.authenticator.authenticate(req, request.compiled.auth).then(
      (principal) => this.perform(request, principal),
      (e: unknown) => {
        this.refuse(req, res, path, normalizeError(e), cors);
        this.done();
      },
    );
  };

  /** Runs an authenticated request as the gateway's operation, then answers. */
  private perform(r: Routed, principal: Principal | undefined): void {
    const headers: Record<string, string> = r.cors === undefined ? {} : { ...r.cors };
    let ctx: CallContext | undefined;
    const traceparent = r.req.headers.traceparent;
    this.o.app
      .perform(
        this.o.name,
        r.compiled.route.key,
        (c) => {
          ctx = c;
          return runOperation(this.o, c, r, principal, headers);
        },
        {
          principal,
          metadata: metadataOf(this.o, r.req, r.compiled, principal),
          timeoutMs: r.compiled.timeoutMs,
          admitted: true,
          traceparent:
            typeof traceparent === "string" && traceparent.length < 256 ? traceparent : undefined,
        },
      )
      // One `.then` with both callbacks, neither of which throws: a `.catch` and a `.finally` after
      // it would cost three more promises per request.
      .then(
        (value) => {
          let answer: Answer;
          try {
            answer = answersWhole(this.o, r.compiled)
              ? (value as Answer)
              : answerOf(r.compiled, value);
          } catch (e) {
            // The output cannot be written as JSON: the server's failure (500).
            this.failed(r, headers, ctx, e);
            return;
          }
          try {
            traceHeaders((ctx as CallContext).trace, headers);
            // Draining: the client should open its next connection elsewhere.
            if (!this.open) headers.connection = "close";
            if (answer.headers !== undefined) Object.assign(headers, answer.headers);
            send(r.res, answer.status, answer.body, answer.contentType, headers);
          } catch (e) {
            this.failedToAnswer(e);
          }
          this.done();
        },
        (e: unknown) => this.failed(r, headers, ctx, e),
      );
  }

  /** Answers a request whose operation failed with `e`, as a problem document. */
  private failed(
    r: Routed,
    headers: Record<string, string>,
    ctx: CallContext | undefined,
    e: unknown,
  ): void {
    try {
      this.refuse(r.req, r.res, r.path, normalizeError(e), headers, ctx?.trace ?? edgeTrace(r.req));
    } catch (failure) {
      this.failedToAnswer(failure);
    }
    this.done();
  }

  /** Sending an answer threw (a bug, or a socket in a state Node refuses): log it. */
  private failedToAnswer(e: unknown): void {
    this.o.app.logger.error({ err: e }, `gateway ${this.o.name} failed to answer`);
  }

  /** A counted request was answered. */
  private done(): void {
    if (--this.active === 0 && this.onIdle !== undefined) {
      const resolve = this.onIdle;
      this.onIdle = undefined;
      resolve();
    }
  }

  /** The route of `method` and `path`; an empty path parameter (`/items/`) matches none. */
  private find(method: string, path: string) {
    const found = this.o.router.find(method as FindMyWay.HTTPMethod, path);
    if (found === null) return null;
    for (const name in found.params) if (found.params[name] === "") return null;
    return found;
  }

  /** Methods served at `path`. */
  private methodsAt(path: string): string[] {
    return this.o.methods.filter((m) => this.find(m, path) !== null);
  }

  private unrouted(method: string, path: string): WeftError {
    const allowed = this.methodsAt(path);
    if (allowed.length === 0) {
      return (
        pathProblem(path) ?? edgeError(404, "NOT_FOUND", "ROUTE_NOT_FOUND", `no route for ${path}`)
      );
    }
    return edgeError(
      405,
      "UNIMPLEMENTED",
      "METHOD_NOT_ALLOWED",
      `${method} is not allowed on ${path} (allowed: ${allowed.join(", ")})`,
      {
        headers: { allow: allowed.join(", ") },
      },
    );
  }

  private options(req: IncomingMessage, res: ServerResponse, path: string): void {
    const allowed = this.methodsAt(path);
    const preflight = req.headers["access-control-request-method"] !== undefined;
    if (allowed.length === 0 || !preflight || this.o.cors === undefined) {
      this.refuse(
        req,
        res,
        path,
        this.unrouted("OPTIONS", path),
        this.o.cors?.headers(req.headers.origin),
      );
      return;
    }
    try {
      const headers = this.o.cors.preflight(req.headers.origin, allowed);
      traceHeaders(edgeTrace(req), headers);
      send(res, 204, undefined, "", headers);
    } catch (e) {
      this.refuse(req, res, path, normalizeError(e), undefined);
    }
  }

  /** Answers with a problem document. */
  private refuse(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    error: WeftError,
    extra: Record<string, string> | undefined,
    trace: TraceContext = edgeTrace(req),
  ): void {
    const problem = renderProblem(error, {
      instance: path,
      traceId: trace.traceId,
      typeBase: this.o.typeBase,
    });
    if (problem.status >= 500 && error.reason !== "DRAINING") {
      this.o.app.logger.warn(
        { err: error.cause ?? error, status: problem.status, path, traceId: trace.traceId },
        `gateway ${this.o.name}: ${req.method} ${path} answered ${problem.status} (${error.code} ${error.reason})`,
      );
    }
    const headers = { ...extra, ...problem.headers };
    traceHeaders(trace, headers);
    send(res, problem.status, problem.body, "application/problem+json", headers);
  }
}
