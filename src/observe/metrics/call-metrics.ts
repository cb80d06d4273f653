/**
 * RED metrics from spans: `weft_calls_total{service,method,kind,code}` (rate and errors) and
 * `weft_call_duration_seconds{service,method,kind}` (duration). Client spans measure calls as their
 * callers saw them, server spans as their services served them, internal spans the work run by
 * `app.perform` (gateway routes, event handlers). Series handles are cached per service, method
 * and kind, so a span costs a few map reads and no string building.
 */
import type { FinishedSpan, SpanKind } from "../../core/index.js";
import type { CounterSeries, HistogramSeries, Metrics } from "./registry.js";

interface Handles {
  readonly duration: HistogramSeries;
  readonly ok: CounterSeries;
  readonly byCode: Map<string, CounterSeries>;
}

/** Records spans into an app's metrics. */
export class CallMetrics {
  private readonly calls;
  private readonly duration;
  private readonly handles: Record<SpanKind, Map<string, Map<string, Handles>>> = {
    client: new Map(),
    server: new Map(),
    internal: new Map(),
  };

  constructor(metrics: Metrics) {
    this.calls = metrics.counter(
      "weft_calls_total",
      "Calls made (kind=client), served (kind=server) and work performed (kind=internal), by outcome code (OK or the error code).",
      ["service", "method", "kind", "code"],
    );
    this.duration = metrics.histogram(
      "weft_call_duration_seconds",
      "Duration of calls made, served and performed, in seconds.",
      ["service", "method", "kind"],
    );
  }

  /** Counts one span. */
  record(span: FinishedSpan): void {
    let methods = this.handles[span.kind].get(span.service);
    if (methods === undefined) {
      methods = new Map();
      this.handles[span.kind].set(span.service, methods);
    }
    let h = methods.get(span.method);
    if (h === undefined) {
      h = {
        duration: this.duration.series(span.service, span.method, span.kind),
        ok: this.calls.series(span.service, span.method, span.kind, "OK"),
        byCode: new Map(),
      };
      methods.set(span.method, h);
    }
    h.duration.observe(span.durationMs / 1000);
    const error = span.error;
    if (error === undefined) {
      h.ok.inc();
      return;
    }
    let failed = h.byCode.get(error.code);
    if (failed === undefined) {
      failed = this.calls.series(span.service, span.method, span.kind, error.code);
      h.byCode.set(error.code, failed);
    }
    failed.inc();
  }
}
