/**
 * The trace recorder: the last N finished spans of an app (default 10,000) in a ring buffer, so
 * recent traces can be shown with no tracing backend. Old spans fall out as new ones come; a trace
 * whose first spans fell out shows what is left of it. Recording is a few typed-array writes
 * (span-ring.ts); queries rebuild the spans they read (a few milliseconds at the default size).
 *
 * @example
 * ```ts
 * const { recorder } = app.use(OBSERVE);
 * for (const t of recorder.traces({ limit: 10 })) console.log(t.name, t.durationMs, t.error);
 * const spans = recorder.trace(t.traceId); // every span of one trace, by start time
 * ```
 */
import { type FinishedSpan, invalidArgument } from "../core/index.js";
import { SpanRing } from "./span-ring.js";
import { type SpanError, type SpanView, spanError, spanName, viewSpan } from "./span-view.js";

/** One trace as recent-trace lists show it. */
export interface TraceSummary {
  readonly traceId: string;
  /** The name of the trace's root span (the first one with no recorded parent). */
  readonly name: string;
  readonly root: { readonly service: string; readonly method: string; readonly kind: string };
  /** Services that made, served or performed spans of the trace. */
  readonly services: readonly string[];
  /** Apps (processes' app names) that recorded them. */
  readonly apps: readonly string[];
  /** Epoch milliseconds of the first span's start. */
  readonly startTime: number;
  /** From the first start to the last end, in milliseconds. */
  readonly durationMs: number;
  readonly spans: number;
  /** Spans that ended with an error. */
  readonly errors: number;
  /** The first error in the trace (by start time), naming where it happened. */
  readonly error: (SpanError & { readonly service: string; readonly method: string }) | null;
}

/** Filters of {@link TraceRecorder.traces}. */
export interface TraceQuery {
  /** Most traces returned, newest first. Default 50, at most 1000. */
  readonly limit?: number;
  /** Only traces that touch this service. */
  readonly service?: string;
  /** Only traces with an error. */
  readonly errors?: boolean;
}

/** A bounded, in-process record of finished spans. */
export class TraceRecorder {
  private readonly ring: SpanRing;

  /** `capacity`: how many spans to keep (default 10,000). */
  constructor(readonly capacity = 10_000) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw invalidArgument(
        "RECORDER_CAPACITY",
        `maxSpans must be a whole number >= 1 (got ${capacity})`,
      );
    }
    this.ring = new SpanRing(capacity);
  }

  /** Keeps a span, dropping the oldest when full. */
  record(span: FinishedSpan): void {
    this.ring.push(span);
  }

  /** Spans recorded since start (kept or not). */
  get recorded(): number {
    return this.ring.pushed;
  }

  /** Spans held now. */
  get size(): number {
    return this.ring.size;
  }

  /** Every span held, oldest first. */
  spans(): FinishedSpan[] {
    return this.ring.all();
  }

  /** The spans of one trace by start time, or undefined when none is held. */
  trace(traceId: string): SpanView[] | undefined {
    const spans = this.ring.ofTraces(new Set([traceId]));
    if (spans.length === 0) return undefined;
    return inTreeOrder(spans).map(viewSpan);
  }

  /** Recent traces, newest first. */
  traces(query: TraceQuery = {}): TraceSummary[] {
    const limit = Math.min(1000, Math.max(1, query.limit ?? 50));
    const grouped = group(this.spans());
    const out: TraceSummary[] = [];
    for (const spans of grouped.values()) {
      if (query.service !== undefined && !spans.some((s) => s.service === query.service)) continue;
      if (query.errors === true && !spans.some((s) => s.error !== undefined)) continue;
      out.push(summarize(spans));
    }
    out.sort((a, b) => b.startTime - a.startTime);
    return out.slice(0, limit);
  }

  /** Summaries of these traces (those held), in one pass over the buffer. */
  summaries(traceIds: ReadonlySet<string>): TraceSummary[] {
    const grouped = group(this.ring.ofTraces(traceIds));
    return [...grouped.values()].map(summarize);
  }
}

/** Spans by start time; a parent before its child when they start together (a call served directly). */
function inTreeOrder(spans: readonly FinishedSpan[]): FinishedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const depth = new Map<FinishedSpan, number>();
  const depthOf = (span: FinishedSpan): number => {
    let d = depth.get(span);
    if (d === undefined) {
      const parent = span.parentSpanId === undefined ? undefined : byId.get(span.parentSpanId);
      depth.set(span, 0); // guards against a cycle in damaged input
      d = parent === undefined ? 0 : depthOf(parent) + 1;
      depth.set(span, d);
    }
    return d;
  };
  return [...spans].sort((a, b) => a.startTime - b.startTime || depthOf(a) - depthOf(b));
}

function group(spans: readonly FinishedSpan[]): Map<string, FinishedSpan[]> {
  const byTrace = new Map<string, FinishedSpan[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId);
    if (list === undefined) byTrace.set(span.traceId, [span]);
    else list.push(span);
  }
  return byTrace;
}

/** Summarizes the spans of one trace (at least one). */
export function summarize(spans: readonly FinishedSpan[]): TraceSummary {
  const sorted = inTreeOrder(spans);
  const ids = new Set(sorted.map((s) => s.spanId));
  const first = sorted[0] as FinishedSpan;
  const root =
    sorted.find((s) => s.parentSpanId === undefined || !ids.has(s.parentSpanId)) ?? first;
  let end = 0;
  let errors = 0;
  let firstError: FinishedSpan | undefined;
  const services = new Set<string>();
  const apps = new Set<string>();
  for (const s of sorted) {
    end = Math.max(end, s.startTime + s.durationMs);
    services.add(s.service);
    apps.add(s.app);
    if (s.error !== undefined) {
      errors += 1;
      firstError ??= s;
    }
  }
  const error = firstError === undefined ? null : spanError(firstError);
  return {
    traceId: first.traceId,
    name: spanName(root),
    root: { service: root.service, method: root.method, kind: root.kind },
    services: [...services],
    apps: [...apps],
    startTime: first.startTime,
    durationMs: end - first.startTime,
    spans: sorted.length,
    errors,
    error:
      error === null || firstError === undefined
        ? null
        : { ...error, service: firstError.service, method: firstError.method },
  };
}
