/**
 * The HTTP server: `node:http` with limits as safe as fastify's defaults — a cap on the request
 * head (`maxHeaderSize`), time limits for headers and whole requests checked every second (a
 * slowloris client is cut off while others are served), idle keep-alive connections closed, and
 * malformed requests answered with a problem document before the socket is closed, and pipelined
 * requests that change data run in the order they were sent (pipeline.ts).
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { Duplex } from "node:stream";
import { unavailable } from "../core/index.js";
import { isLingering } from "./linger.js";
import { inOrder } from "./pipeline.js";

/** Limits of the server. */
export interface ListenerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxHeaderSize: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveMs: number;
}

/** A listening server. */
export interface Listener {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Closes idle keep-alive connections (draining: clients reconnect elsewhere). */
  closeIdle(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Answers a request the parser refused (bad syntax, head too large, too slow) and closes. */
function onClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === "ECONNRESET") {
    socket.destroy();
    return;
  }
  const status =
    error.code === "HPE_HEADER_OVERFLOW"
      ? 431
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? 408
        : 400;
  const body = JSON.stringify({
    type: "about:blank",
    title: STATUS_CODES[status],
    status,
    detail:
      status === 431
        ? "the request head is larger than the server accepts"
        : status === 408
          ? "the request did not arrive in time"
          : "the request is not valid HTTP",
    code: status === 408 ? "DEADLINE_EXCEEDED" : "INVALID_ARGUMENT",
    reason:
      status === 431
        ? "HEADERS_TOO_LARGE"
        : status === 408
          ? "REQUEST_TIMEOUT"
          : "MALFORMED_REQUEST",
  });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Starts a server that hands requests to `handle`; rejects naming the address when it cannot listen. */
export function listen(
  options: ListenerOptions,
  handle: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Listener> {
  // Pipelined requests that change data run in order (pipeline.ts).
  const ordered = inOrder(handle);
  const server = createServer(
    {
      maxHeaderSize: options.maxHeaderSize,
      headersTimeout: options.headersTimeoutMs,
      requestTimeout: options.requestTimeoutMs,
      // How often the two limits above are checked (Node's default is every 30 s).
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.floor(options.headersTimeoutMs / 2)),
      ),
      keepAliveTimeout: options.keepAliveMs,
      requireHostHeader: true,
    },
    (req, res) => {
      // A request arriving while the connection lingers after an answer with `Connection: close`
      // must not be served (RFC 9112 9.6); see linger.ts.
      if (isLingering(req.socket)) req.socket.destroy();
      else ordered(req, res);
    },
  );
  server.keepAliveTimeout = options.keepAliveMs;
  server.on("clientError", onClientError);
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        unavailable(
          "GATEWAY_LISTEN_FAILED",
          `the gateway cannot listen on ${options.host}:${options.port} (${error.code ?? error.message}): free the port or set WEFT_HTTP_PORT`,
          { cause: error, metadata: { host: options.host, port: String(options.port) } },
        ),
      );
    };
    server.once("error", onError);
    server.listen(options.port, options.host, () => {
      server.off("error", onError);
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      resolve({
        server,
        host: options.host,
        port,
        closeIdle: () => server.closeIdleConnections(),
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** The base URL of a listener; wildcard addresses show as loopback (what a local client can use). */
export function baseUrl(host: string, port: number): string {
  const shown = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${shown.includes(":") ? `[${shown}]` : shown}:${port}`;
}
