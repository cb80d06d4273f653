/**
 * Spans as the admin API and the dashboard show them: plain JSON, with the error reduced to its
 * code, reason and message, and a readable name (`catalog.get` for calls, `gateway GET /p/:id`
 * for performed work).
 */
import type { FinishedSpan, SpanKind } from "../core/index.js";

/** An error as a span shows it. */
export interface SpanError {
  readonly code: string;
  readonly reason: string;
  readonly message: string;
}

/** One recorded span as JSON. */
export interface SpanView {
  readonly name: string;
  readonly kind: SpanKind;
  readonly app: string;
  readonly service: string;
  readonly method: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | null;
  readonly caller: string | null;
  /** Epoch milliseconds. */
  readonly startTime: number;
  readonly durationMs: number;
  readonly error: SpanError | null;
  readonly remote: boolean;
  readonly bytes: number | null;
}

/** The display name of a span. */
export function spanName(span: Pick<FinishedSpan, "kind" | "service" | "method">): string {
  return span.kind === "internal"
    ? `${span.service} ${span.method}`
    : `${span.service}.${span.method}`;
}

/** A span's error as shown, or null. */
export function spanError(span: FinishedSpan): SpanError | null {
  const e = span.error;
  return e === undefined ? null : { code: e.code, reason: e.reason, message: e.message };
}

/** Converts a finished span to its JSON view. */
export function viewSpan(span: FinishedSpan): SpanView {
  return {
    name: spanName(span),
    kind: span.kind,
    app: span.app,
    service: span.service,
    method: span.method,
    traceId: span.traceId,
    spanId: span.spanId,
    parentSpanId: span.parentSpanId ?? null,
    caller: span.caller ?? null,
    startTime: span.startTime,
    durationMs: span.durationMs,
    error: spanError(span),
    remote: span.remote,
    bytes: span.bytes ?? null,
  };
}
