/**
 * Writing answers: one `writeHead` with every header (a computed `Content-Length`, never chunked
 * for these small bodies), the trace headers on every answer, and problem documents for errors.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  childTrace,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from "../core/index.js";
import { lingerOnClose } from "./linger.js";

/** The trace of an answer given without a call context (404, 401, preflight): a new span. */
export function edgeTrace(req: IncomingMessage): TraceContext {
  const incoming = req.headers.traceparent;
  const parent = typeof incoming === "string" ? parseTraceparent(incoming) : undefined;
  return parent === undefined ? newTrace() : childTrace(parent);
}

/**
 * The trace headers of an answer: `traceparent` (W3C: the gateway's span of this request, whose
 * parent is the caller's span when it sent one) and `x-trace-id` (the trace id alone).
 */
export function traceHeaders(trace: TraceContext, headers: Record<string, string>): void {
  headers.traceparent = formatTraceparent(trace);
  headers["x-trace-id"] = trace.traceId;
}

/**
 * Sends an answer with `body` of `contentType` (no body when undefined). An answer with
 * `Connection: close` given before the request's body was read lingers (see linger.ts).
 */
export function send(
  res: ServerResponse,
  status: number,
  body: string | undefined,
  contentType: string,
  headers: Record<string, string>,
): void {
  if (res.headersSent || res.destroyed) return;
  if (body !== undefined) {
    headers["content-type"] = contentType;
    headers["content-length"] = String(Buffer.byteLength(body));
  }
  if (headers.connection === "close") lingerOnClose(res);
  res.writeHead(status, headers);
  res.end(body);
}
