/**
 * The call observer seam: the runtime reports every call made (a `client` span, at the caller),
 * every call served (a `server` span, at the callee) and every `app.perform` (an `internal` span)
 * once it ends. `weft/observe` builds the trace recorder, the metrics and the OpenTelemetry bridge
 * on it. Every call gets a client span and a server span whatever the placement, so a trace has
 * the same shape in one process and split. Without an observer the call path builds no span and
 * draws no id nobody asked for.
 *
 * @example
 * ```ts
 * const spans: FinishedSpan[] = [];
 * const app = createApp(shop, { observer: { onSpan: (span) => spans.push(span) } });
 * ```
 */
import type { WeftError } from "./errors.js";

/** What a span stands for: a call made, a call served, or work a service did on its own. */
export type SpanKind = "client" | "server" | "internal";

/** One ended span. Times come from `performance` (sub-millisecond). */
export interface FinishedSpan {
  readonly kind: SpanKind;
  /** The app (its configured name) of the process that recorded the span. */
  readonly app: string;
  /** The service called (client), serving (server) or doing the work (internal). */
  readonly service: string;
  /** The method called, or the operation performed (`GET /products/:id`, `on order.placed`). */
  readonly method: string;
  readonly traceId: string;
  readonly spanId: string;
  /** The span this one descends from; undefined for a trace's root. */
  readonly parentSpanId: string | undefined;
  /**
   * Client spans: the service whose handler or performed work made the call; undefined when the
   * call came from outside any (a script, a test, `app.client`).
   */
  readonly caller: string | undefined;
  /** When the span began, in epoch milliseconds (fractional). */
  readonly startTime: number;
  /** How long it lasted, in milliseconds (fractional). */
  readonly durationMs: number;
  /** Undefined when the span ended well; the error the caller got (or the work threw) otherwise. */
  readonly error: WeftError | undefined;
  /** True when the call crossed a process boundary (a NATS call, or a call served from one). */
  readonly remote: boolean;
  /** Bytes of the request and reply on the wire, when the transport knows them cheaply. */
  readonly bytes: number | undefined;
}

/**
 * Told about every span of an app as it ends. `onSpan` runs on the call path: it must be quick and
 * must not throw (a throw is caught and dropped so that calls never fail for it).
 */
export interface CallObserver {
  onSpan(span: FinishedSpan): void;
}

/** `performance.timeOrigin`, read once: span start times are `TIME_ORIGIN + performance.now()`. */
export const TIME_ORIGIN: number = performance.timeOrigin;

/** Hands a span to an observer, which must never break a call. */
export function reportSpan(observer: CallObserver, span: FinishedSpan): void {
  try {
    observer.onSpan(span);
  } catch {
    // An observer's failure is its own; the call it watched is not affected.
  }
}
