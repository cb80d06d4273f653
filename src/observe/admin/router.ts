/**
 * The admin server's routes: a method, a path pattern (`/api/traces/:traceId`, or a trailing `*`
 * for everything below a prefix) and a handler that returns JSON, text, or takes the response over
 * (Server-Sent Events). When several patterns match, the one with more literal segments wins.
 * A path that is not valid percent-encoding, or has a segment longer than the gateway allows,
 * is refused with INVALID_ARGUMENT (400).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { alreadyExists, invalidArgument } from "../../core/index.js";
import { pathProblem } from "../../core/path-limits.js";

/** HTTP methods admin routes answer. */
export type AdminMethod = "GET" | "POST" | "PUT" | "DELETE";

/** A request as a route handler sees it. */
export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  /** Values of the pattern's `:name` segments (and `*` for a wildcard's rest), decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body, or undefined when empty. INVALID_ARGUMENT when not JSON or over 64 KiB. */
  json(): Promise<unknown>;
  /** The underlying request (headers, socket). */
  readonly raw: IncomingMessage;
}

/** What a handler answers. */
export type AdminReply =
  | {
      readonly status?: number;
      readonly json: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      readonly status?: number;
      readonly text: string | Uint8Array;
      readonly contentType: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  | {
      /** Takes the response over (a stream); called once, after authentication. */
      readonly stream: (response: ServerResponse) => void;
    };

/** Handles one admin request. Throw a Weft error to answer with problem+json. */
export type AdminHandler = (request: AdminRequest) => AdminReply | Promise<AdminReply>;

/** Options of a route. */
export interface AdminRouteOptions {
  /** Served without the admin token (health probes). Default false. */
  readonly public?: boolean;
}

/** A registered route. */
export interface AdminRoute {
  readonly method: AdminMethod;
  readonly pattern: string;
  readonly handler: AdminHandler;
  readonly public: boolean;
  readonly segments: readonly string[];
}

/** What matching a path found. */
export type RouteMatch =
  | { readonly route: AdminRoute; readonly params: Record<string, string> }
  | { readonly route: undefined; readonly allowed: readonly AdminMethod[] };

function split(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

function matchSegments(segments: readonly string[], parts: readonly string[]) {
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    if (segment === "*" && i === segments.length - 1) {
      params["*"] = parts.slice(i).map(decodeURIComponent).join("/");
      return params;
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if (segment.startsWith(":")) params[segment.slice(1)] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

/** The routes of one admin server. */
export class AdminRouter {
  private readonly routes: AdminRoute[] = [];

  /** Adds a route; ALREADY_EXISTS when the method and pattern are taken. */
  add(
    method: AdminMethod,
    pattern: string,
    handler: AdminHandler,
    options: AdminRouteOptions = {},
  ): void {
    if (!pattern.startsWith("/")) {
      throw invalidArgument("ROUTE_INVALID", `admin route ${pattern} must start with "/"`);
    }
    if (this.routes.some((r) => r.method === method && r.pattern === pattern)) {
      throw alreadyExists("ROUTE_EXISTS", `admin route ${method} ${pattern} is already taken`);
    }
    this.routes.push({
      method,
      pattern,
      handler,
      public: options.public === true,
      segments: split(pattern),
    });
  }

  /** Finds the route for a request (or the methods the path allows); INVALID_ARGUMENT for a bad path. */
  match(method: string, path: string): RouteMatch {
    // Bad percent-encoding or an overlong segment is the client's mistake (400), not a 404.
    const problem = pathProblem(path);
    if (problem !== undefined) throw problem;
    const parts = split(path);
    let best: { route: AdminRoute; params: Record<string, string>; score: number } | undefined;
    const allowed = new Set<AdminMethod>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, parts);
      if (params === undefined) continue;
      allowed.add(route.method);
      if (route.method !== method && !(method === "HEAD" && route.method === "GET")) continue;
      const literal = route.segments.filter((s) => !s.startsWith(":") && s !== "*").length;
      const score = literal * 2 - (route.segments.at(-1) === "*" ? 1 : 0);
      if (best === undefined || score > best.score) best = { route, params, score };
    }
    return best === undefined
      ? { route: undefined, allowed: [...allowed] }
      : { route: best.route, params: best.params };
  }
}
