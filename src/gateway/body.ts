/**
 * Request bodies: JSON objects only, read under a size limit and a time limit, parsed with
 * `secure-json-parse` so that `__proto__` and `constructor.prototype` keys are refused instead of
 * poisoning objects. A body over the limit is refused from its `Content-Length` before it is read,
 * or as soon as it grows past the limit; either way the connection is closed, after the client had
 * time to read the answer (linger.ts).
 */
import type { IncomingMessage } from "node:http";
import sjson from "secure-json-parse";
import { checkBodyRules } from "./input-rules.js";
import { edgeError } from "./problem.js";

const decoder = new TextDecoder("utf-8", { fatal: true });
const CLOSE = { connection: "close" };

/** True when the request carries a body (a `Content-Length` above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  if (length !== undefined) return length !== "0";
  return req.headers["transfer-encoding"] !== undefined;
}

/** Throws 415 unless the body is JSON (`application/json` or `*\/*+json`, UTF-8). */
export function checkContentType(header: string | undefined): void {
  const [type = "", ...params] = (header ?? "").split(";");
  const media = type.trim().toLowerCase();
  const json =
    media === "application/json" || (media.startsWith("application/") && media.endsWith("+json"));
  const charset = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("charset="));
  if (json && (charset === undefined || /^charset="?utf-8"?$/.test(charset))) return;
  throw edgeError(
    415,
    "INVALID_ARGUMENT",
    "UNSUPPORTED_MEDIA_TYPE",
    `request bodies must be application/json (UTF-8); got ${header === undefined ? "no Content-Type" : JSON.stringify(header)}`,
    { headers: { "accept-post": "application/json", "accept-patch": "application/json" } },
  );
}

function tooLarge(limit: number, bytes: string): Error {
  return edgeError(
    413,
    "RESOURCE_EXHAUSTED",
    "BODY_TOO_LARGE",
    `the request body is larger than the limit of ${limit} bytes`,
    {
      metadata: { limit: "bodyLimit", maxBytes: String(limit), bytes },
      retryable: false,
      headers: CLOSE,
    },
  );
}

/**
 * Reads the whole body. Rejects with 413 past `limit` bytes, 408 when it has not all arrived within
 * `timeoutMs`, and with the socket's error when the client goes away.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit)
    return Promise.reject(tooLarge(limit, declared));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: unknown, body?: Buffer) => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      if (error !== undefined) {
        // Drop what else arrives; the answer closes the connection.
        req.resume();
        reject(error);
      } else resolve(body as Buffer);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish(tooLarge(limit, `more than ${limit}`));
      else chunks.push(chunk);
    };
    const onEnd = () =>
      finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    const onError = (error: Error) => finish(error);
    const onAborted = () => finish(new Error("the client closed the connection"));
    const timer = setTimeout(
      () =>
        finish(
          edgeError(
            408,
            "DEADLINE_EXCEEDED",
            "BODY_TIMEOUT",
            `the request body did not arrive within ${timeoutMs} ms`,
            {
              headers: CLOSE,
            },
          ),
        ),
      timeoutMs,
    );
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

/**
 * Parses a body as a JSON object. Throws 400 for malformed JSON, poisoning keys, a non-object, or
 * a value breaking the input rules (input-rules.ts: depth, U+0000, unsafe integers).
 */
export function parseJsonObject(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = sjson.parse(decoder.decode(body), null, {
      protoAction: "error",
      constructorAction: "error",
    });
  } catch (e) {
    const poisoned = /forbidden prototype/.test((e as Error).message);
    throw edgeError(
      400,
      "INVALID_ARGUMENT",
      poisoned ? "FORBIDDEN_KEY" : "MALFORMED_JSON",
      poisoned
        ? "the request body contains a __proto__ or constructor.prototype key, which is refused"
        : `the request body is not valid JSON: ${e instanceof TypeError ? "it is not UTF-8" : (e as Error).message}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw edgeError(
      400,
      "INVALID_ARGUMENT",
      "BODY_NOT_OBJECT",
      "the request body must be a JSON object",
      {
        issues: [{ path: [], message: "must be a JSON object" }],
      },
    );
  }
  checkBodyRules(value as Record<string, unknown>);
  return value as Record<string, unknown>;
}
