/**
 * Errors as the Errors page groups them: by code and reason, counted once per trace (a declined
 * card fails `payment.charge`, the step that called it and the order that waited for it: one
 * failure, one count), with where it started, the services it reached, and the latest trace as a
 * sample to open.
 */
import type { FinishedSpan } from "../core/index.js";
import { spanName } from "../observe/index.js";

/** One group of the Errors page. */
export interface ErrorGroup {
  readonly code: string;
  readonly reason: string;
  /** Traces that had this error. */
  readonly count: number;
  /** Spans that ended with it. */
  readonly spans: number;
  /** The message of the latest occurrence. */
  readonly message: string;
  /** Where it began in the latest trace (the span that failed with it last: the innermost). */
  readonly origin: string;
  /** Services whose spans ended with it. */
  readonly services: readonly string[];
  readonly firstAt: number;
  readonly lastAt: number;
  /** The latest trace with it. */
  readonly sampleTraceId: string;
}

interface Tally {
  readonly code: string;
  readonly reason: string;
  /** Failed spans per trace. */
  readonly traces: Map<string, FinishedSpan[]>;
}

const latestStart = (spans: readonly FinishedSpan[]) =>
  spans.reduce((a, b) => (b.startTime > a.startTime ? b : a));

/** Groups the errors of the held spans, most frequent first (then latest first). */
export function errorGroups(spans: readonly FinishedSpan[]): ErrorGroup[] {
  const groups = new Map<string, Tally>();
  for (const span of spans) {
    const error = span.error;
    if (error === undefined) continue;
    const key = `${error.code}\u0000${error.reason}`;
    let t = groups.get(key);
    if (t === undefined) {
      t = { code: error.code, reason: error.reason, traces: new Map() };
      groups.set(key, t);
    }
    const list = t.traces.get(span.traceId);
    if (list === undefined) t.traces.set(span.traceId, [span]);
    else list.push(span);
  }
  const out: ErrorGroup[] = [];
  for (const t of groups.values()) {
    const all = [...t.traces.values()].flat();
    // The latest trace is the one whose innermost failure started last; that span is the origin.
    const origin = latestStart(all);
    out.push({
      code: t.code,
      reason: t.reason,
      count: t.traces.size,
      spans: all.length,
      message: origin.error?.message ?? "",
      origin: spanName(origin),
      services: [...new Set(all.map((s) => s.service))],
      firstAt: Math.min(...all.map((s) => s.startTime)),
      lastAt: origin.startTime,
      sampleTraceId: origin.traceId,
    });
  }
  return out.sort((a, b) => b.count - a.count || b.lastAt - a.lastAt);
}
