/**
 * Every error leaves the gateway as an RFC 9457 `application/problem+json` document: a status
 * from the error's code, Weft's `code` and `reason`, the trace id, and for validation errors the
 * fields at fault as JSON Pointers. Server-side failures (5xx) say nothing of internals: their
 * detail is generic and the real error goes to the log.
 */
import { STATUS_CODES } from "node:http";
import type { ErrorCode, ErrorOptions, FieldIssue } from "../core/index.js";
import { WeftError } from "../core/index.js";

/** The HTTP status of each Weft error code (docs/gateway.md explains the choices). */
export const STATUS_BY_CODE: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  ABORTED: 409,
  FAILED_PRECONDITION: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 503,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  DATA_LOSS: 500,
  UNKNOWN: 500,
};

/** Details of errors the gateway raises itself: a status of their own and response headers. */
const edge = new WeakMap<WeftError, { status: number; headers: Record<string, string> }>();

/** A Weft error the gateway answers with `status` (e.g. 415, 422) and extra `headers`. */
export function edgeError(
  status: number,
  code: ErrorCode,
  reason: string,
  message: string,
  options: ErrorOptions & { headers?: Record<string, string> } = {},
): WeftError {
  const error = new WeftError(code, reason, message, { mayHaveRun: false, ...options });
  edge.set(error, { status, headers: options.headers ?? {} });
  return error;
}

/** The HTTP status an error is answered with. */
export function statusOf(error: WeftError): number {
  const own = edge.get(error)?.status;
  if (own !== undefined) return own;
  // A request over the payload limit is the client's to shrink (413); an answer over it, after
  // the method ran, is the server's failure (500). Other exhausted resources: rate or quota (429).
  if (error.code === "RESOURCE_EXHAUSTED" && error.metadata.limit === "maxPayload") {
    return error.mayHaveRun ? 500 : 413;
  }
  // A full disk is the server's storage failing, not the client's rate (429 reads "slow down"):
  // 507 Insufficient Storage (RFC 4918 §11.5).
  if (error.reason === "STORE_DISK_FULL") return 507;
  return STATUS_BY_CODE[error.code] ?? 500;
}

/** Renders a field path as a JSON Pointer (RFC 6901): `["items", 0, "qty"]` → `/items/0/qty`. */
export function jsonPointer(path: readonly (string | number)[]): string {
  let out = "";
  for (const segment of path) out += `/${String(segment).replace(/~/g, "~0").replace(/\//g, "~1")}`;
  return out;
}

const GENERIC: Partial<Record<ErrorCode, string>> = {
  UNAVAILABLE: "a service this request needs is unavailable; try again later",
  CANCELLED: "the request was cancelled before it completed; try again later",
  DEADLINE_EXCEEDED: "the request did not complete in time",
  UNIMPLEMENTED: "this operation is not implemented",
};

/** A problem document and the headers to send with it. */
export interface RenderedProblem {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string>;
}

/** Options of {@link renderProblem}. */
export interface ProblemContext {
  /** The request path, as the problem's `instance`. */
  readonly instance: string;
  readonly traceId: string;
  /** Prefix of `type` URIs; undefined gives `about:blank`. */
  readonly typeBase: string | undefined;
}

function detailOf(error: WeftError, status: number, errors: { pointer: string; detail: string }[]) {
  if (status >= 500) return GENERIC[error.code] ?? "the server failed to handle the request";
  if (errors.length > 0)
    return errors.map((e) => `${e.pointer || "(body)"}: ${e.detail}`).join("; ");
  return error.message;
}

/** Renders an error as a problem document. */
export function renderProblem(error: WeftError, context: ProblemContext): RenderedProblem {
  const status = statusOf(error);
  const errors = error.code === "INVALID_ARGUMENT" ? error.issues.map(toPointer) : [];
  const problem: Record<string, unknown> = {
    type:
      context.typeBase === undefined
        ? "about:blank"
        : `${context.typeBase}${error.reason.toLowerCase().replace(/_/g, "-")}`,
    title: STATUS_CODES[status] ?? "Error",
    status,
    detail: detailOf(error, status, errors),
    instance: context.instance,
    code: error.code,
    // A 500 hides what failed inside (its reason may name internals); others keep theirs.
    reason: status === 500 ? error.code : error.reason,
    traceId: context.traceId,
  };
  if (errors.length > 0) problem.errors = errors;
  if (status < 500 && Object.keys(error.metadata).length > 0) problem.metadata = error.metadata;
  if (error.mayHaveRun) problem.mayHaveRun = true;
  const headers: Record<string, string> = { ...edge.get(error)?.headers };
  if (status === 503 && headers["retry-after"] === undefined) headers["retry-after"] = "1";
  return { status, body: JSON.stringify(problem), headers };
}

function toPointer(issue: FieldIssue): { pointer: string; detail: string } {
  return { pointer: jsonPointer(issue.path), detail: issue.message };
}
