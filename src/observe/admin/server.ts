/**
 * The admin HTTP server (`node:http`, its own port). Guards, in order: a request whose Host is not
 * this machine is refused when no token is set (a web page cannot reach a loopback admin server
 * through DNS rebinding); with a token, every route except the public ones (health probes) needs
 * `Authorization: Bearer <token>`, compared in constant time; requests that change something need
 * `Content-Type: application/json` and no foreign `Origin` (so a web page cannot post to them).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  isLoopback,
  type Logger,
  normalizeError,
  notFound,
  permissionDenied,
  unauthenticated,
  WeftError,
} from "../../core/index.js";
import { readJson, sendJson, sendProblem } from "./http.js";
import type { AdminRequest, AdminRouter } from "./router.js";

/** Options of {@link listenAdmin}. */
export interface AdminListenOptions {
  readonly host: string;
  readonly port: number;
  /** Bearer token required on every non-public route; undefined for none (loopback only). */
  readonly token: string | undefined;
  readonly router: AdminRouter;
  readonly logger: Logger;
  /** When the port is taken, listen on a free one instead (and warn). Default false. */
  readonly fallbackPort?: boolean;
}

/** A listening admin server. */
export interface AdminListener {
  /** Where it listens, e.g. `http://127.0.0.1:9464`. */
  readonly url: string;
  /** Ends open streams and connections, then stops listening. */
  close(): Promise<void>;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** True when `header` is `Bearer <token>` (constant time in the token's content). */
export function isAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (match === null) return false;
  return timingSafeEqual(digest(match[1] as string), digest(token));
}

function hostname(hostHeader: string | undefined): string | undefined {
  if (hostHeader === undefined) return undefined;
  try {
    const name = new URL(`http://${hostHeader}`).hostname;
    return name.startsWith("[") ? name.slice(1, -1) : name;
  } catch {
    return undefined;
  }
}

function originHost(origin: string): string | undefined {
  try {
    return hostname(new URL(origin).host);
  } catch {
    return undefined; // "null" (a sandboxed page) or garbage: never this server
  }
}

function formatUrl(host: string, port: number): string {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/** Starts the admin server; rejects when it cannot listen. */
export async function listenAdmin(options: AdminListenOptions): Promise<AdminListener> {
  const { router, token, logger } = options;
  const streams = new Set<ServerResponse>();

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? "/", "http://admin");
    const method = request.method ?? "GET";
    const host = hostname(request.headers.host);
    if (
      token === undefined &&
      (host === undefined || !(isLoopback(host) || host === options.host))
    ) {
      throw permissionDenied(
        "ADMIN_HOST_REFUSED",
        "the admin server answers only requests addressed to this machine",
      );
    }
    const match = router.match(method, url.pathname);
    if (match.route === undefined) {
      if (match.allowed.length > 0) {
        sendJson(
          response,
          405,
          { error: `use ${match.allowed.join(", ")}` },
          { allow: match.allowed.join(", ") },
        );
        return;
      }
      throw notFound("ADMIN_ROUTE_NOT_FOUND", `no admin route ${url.pathname}`);
    }
    const route = match.route;
    if (
      token !== undefined &&
      !route.public &&
      !isAuthorized(request.headers.authorization, token)
    ) {
      throw unauthenticated(
        "ADMIN_TOKEN_REQUIRED",
        "send the admin token as Authorization: Bearer <token>",
      );
    }
    if (method !== "GET" && method !== "HEAD") {
      const type = request.headers["content-type"] ?? "";
      if (!/^application\/json\b/i.test(type)) {
        throw new WeftError(
          "INVALID_ARGUMENT",
          "JSON_REQUIRED",
          `${method} ${url.pathname} takes Content-Type: application/json`,
        );
      }
      const origin = request.headers.origin;
      if (origin !== undefined && originHost(origin) !== host) {
        throw permissionDenied("ADMIN_ORIGIN_REFUSED", `requests from ${origin} are refused`);
      }
    }
    const adminRequest: AdminRequest = {
      method,
      path: url.pathname,
      params: match.params,
      query: url.searchParams,
      json: () => readJson(request),
      raw: request,
    };
    const reply = await route.handler(adminRequest);
    if ("stream" in reply) {
      streams.add(response);
      response.once("close", () => streams.delete(response));
      reply.stream(response);
    } else if ("json" in reply) {
      sendJson(response, reply.status ?? 200, reply.json, reply.headers);
    } else {
      response.writeHead(reply.status ?? 200, {
        "content-type": reply.contentType,
        "cache-control": "no-store",
        ...reply.headers,
      });
      response.end(reply.text);
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((thrown: unknown) => {
      const error = normalizeError(thrown);
      if (error.code === "INTERNAL")
        logger.error({ err: error.cause ?? thrown, path: request.url }, "admin request failed");
      if (response.headersSent) response.destroy();
      else
        sendProblem(
          response,
          error,
          error.code === "UNAUTHENTICATED"
            ? { "www-authenticate": 'Bearer realm="weft-admin"' }
            : {},
        );
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  try {
    await listen(server, options.port, options.host);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== "EADDRINUSE" || options.fallbackPort !== true) throw error;
    // Info, not warn: the new URL is in the startup banner, and the first line a `weft start
    // --json` prints must stay its description at the usual levels.
    logger.info(
      { port: options.port },
      `admin port ${options.port} is taken; listening on a free port instead (set WEFT_ADMIN_PORT to choose)`,
    );
    await listen(server, 0, options.host);
  }
  const address = server.address() as AddressInfo;
  return {
    url: formatUrl(options.host, address.port),
    close() {
      for (const stream of streams) stream.end();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
