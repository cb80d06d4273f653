/**
 * Writing admin answers: JSON (Weft errors inside it in their wire form), text, and errors as RFC
 * 9457 `application/problem+json` with the Weft code and reason; reading small JSON bodies.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type ErrorCode,
  errorToWire,
  invalidArgument,
  isWeftError,
  resourceExhausted,
  type WeftError,
} from "../../core/index.js";

/** Largest request body the admin API reads. */
export const MAX_BODY_BYTES = 64 * 1024;

const STATUS: Readonly<Record<ErrorCode, number>> = {
  CANCELLED: 503,
  UNKNOWN: 500,
  INVALID_ARGUMENT: 400,
  DEADLINE_EXCEEDED: 504,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  PERMISSION_DENIED: 403,
  RESOURCE_EXHAUSTED: 429,
  FAILED_PRECONDITION: 409,
  ABORTED: 409,
  OUT_OF_RANGE: 400,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNAVAILABLE: 503,
  DATA_LOSS: 500,
  UNAUTHENTICATED: 401,
};

/** The HTTP status of a Weft error code. */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code];
}

const weftErrorsAsWire = (_key: string, value: unknown) =>
  isWeftError(value) ? errorToWire(value) : value;

/** Sends a JSON answer. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body, weftErrorsAsWire);
  response.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  response.end(text);
}

/** Sends a Weft error as problem+json. */
export function sendProblem(
  response: ServerResponse,
  error: WeftError,
  headers: Readonly<Record<string, string>> = {},
): void {
  const status = httpStatus(error.code);
  const body = {
    type: "about:blank",
    title: error.reason,
    status,
    detail: error.message,
    code: error.code,
    reason: error.reason,
    metadata: error.metadata,
    ...(error.issues.length > 0 ? { issues: error.issues } : {}),
  };
  response.writeHead(status, {
    "content-type": "application/problem+json; charset=utf-8",
    "cache-control": "no-store",
    ...headers,
  });
  response.end(JSON.stringify(body));
}

/** Reads a JSON body of at most {@link MAX_BODY_BYTES}; undefined when empty. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw resourceExhausted("BODY_TOO_LARGE", `the body is over ${MAX_BODY_BYTES} bytes`, {
        metadata: { limit: "adminBody", maxBytes: String(MAX_BODY_BYTES) },
        retryable: false,
      });
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalidArgument("MALFORMED_BODY", "the body is not valid JSON");
  }
}
