/**
 * A request's input: the JSON body's fields, then the query string's, then the path parameters'
 * (later sources win), strings coerced with the method's JSON Schema. And a check that the input
 * fits a NATS message with its envelope, made wherever the method runs (one process is never more
 * forgiving than split).
 */
import { parse as parseQuery } from "node:querystring";
import type { Principal } from "../core/index.js";
import type { Coercer } from "./coerce.js";
import { checkFieldRules } from "./input-rules.js";
import { edgeError } from "./problem.js";

/**
 * Adds the query string's fields to `input` (coerced); `__proto__`, U+0000 and integers beyond the
 * safe range are refused (input-rules.ts).
 */
export function mergeQuery(
  input: Record<string, unknown>,
  query: string,
  coercers: ReadonlyMap<string, Coercer>,
): void {
  if (query === "") return;
  const fields = parseQuery(query);
  for (const name in fields) {
    if (name === "__proto__") {
      throw edgeError(
        400,
        "INVALID_ARGUMENT",
        "FORBIDDEN_KEY",
        "the query string contains a __proto__ key, which is refused",
      );
    }
    const value = fields[name] as string | string[];
    const coerce = coercers.get(name);
    input[name] = coerce === undefined ? value : coerce(value);
    checkFieldRules(name, input[name], "query");
  }
}

/**
 * Adds the path parameters to `input` (coerced); they win over body and query fields. U+0000 and
 * integers beyond the safe range are refused (input-rules.ts).
 */
export function mergeParams(
  input: Record<string, unknown>,
  params: Record<string, string | undefined>,
  names: readonly string[],
  coercers: ReadonlyMap<string, Coercer>,
): void {
  for (const name of names) {
    const value = params[name] as string;
    const coerce = coercers.get(name);
    input[name] = coerce === undefined ? value : coerce(value);
    checkFieldRules(name, input[name], "path");
  }
}

/** Bytes a call's envelope takes besides its input: frame, deadline, traceparent, principal. */
function envelopeBytes(principal: Principal | undefined, app: string): number {
  // 4-byte frame head, deadline digits, a 55-character traceparent, separators; the principal
  // travels as a base64url token of {app, exp, p} and a 43-character signature.
  const base = 4 + 13 + 55 + 3;
  if (principal === undefined) return base;
  const claims = Buffer.byteLength(JSON.stringify({ app, exp: 9_999_999_999, p: principal }));
  return base + Math.ceil((claims * 4) / 3) + 44;
}

/**
 * Throws 413 (RESOURCE_EXHAUSTED `PAYLOAD_TOO_LARGE`, naming `maxPayload`) when `input` cannot fit
 * one message of at most `maxPayload` bytes with its envelope. `approxBytes` (the body's size) lets
 * small requests skip encoding the input a second time.
 */
export function checkRemotePayload(
  input: unknown,
  approxBytes: number,
  maxPayload: number,
  principal: Principal | undefined,
  app: string,
): void {
  // Inputs far below the limit need no exact count; the transport checks the exact frame anyway.
  if (approxBytes + 8192 < maxPayload) return;
  const bytes = Buffer.byteLength(JSON.stringify(input)) + envelopeBytes(principal, app);
  if (bytes <= maxPayload) return;
  throw edgeError(
    413,
    "RESOURCE_EXHAUSTED",
    "PAYLOAD_TOO_LARGE",
    `the request is ${bytes} bytes as a call to a service in another process; such calls carry at most ${maxPayload} bytes (maxPayload, WEFT_MAX_PAYLOAD) including their envelope`,
    {
      metadata: { limit: "maxPayload", maxBytes: String(maxPayload), bytes: String(bytes) },
      retryable: false,
    },
  );
}
