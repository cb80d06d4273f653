/**
 * The OpenTelemetry bridge: each span Weft records is also emitted through the app's own
 * TracerProvider (never the global one, so two apps in one process stay apart), as an OTel span
 * with RPC semantic conventions and with the trace and span ids Weft made — so logs, the recorder
 * and exported traces name the same spans. Exporting (OTLP, console, in-memory) is the provider's
 * business.
 *
 * Weft's ids reach the SDK through the tracer's id generator: the bridge puts a generator in front
 * of the SDK tracer's own that hands out Weft's ids for the span being emitted and defers to the
 * original otherwise. A provider whose tracers have no id generator still gets every span, in the
 * same trace and under the right parents, but with its own span ids; the bridge then warns once.
 *
 * @example
 * ```ts
 * import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
 * const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
 * const app = createApp(shop, { telemetry: { tracerProvider } });
 * ```
 */
import {
  type Attributes,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  type TracerProvider,
  trace,
} from "@opentelemetry/api";
import type { FinishedSpan, Logger } from "../core/index.js";
import { spanName } from "./span-view.js";

/** OpenTelemetry settings of an app. */
export interface TelemetryOptions {
  /** An OTel SDK TracerProvider (e.g. `BasicTracerProvider`, `NodeTracerProvider`) of this app. */
  readonly tracerProvider: TracerProvider;
}

interface IdGenerator {
  generateTraceId(): string;
  generateSpanId(): string;
}

const KINDS = {
  client: SpanKind.CLIENT,
  server: SpanKind.SERVER,
  internal: SpanKind.INTERNAL,
} as const;

/** Emits Weft's spans as OTel spans. */
export interface OtelBridge {
  emit(span: FinishedSpan): void;
}

/** Makes the bridge of one app. */
export function createOtelBridge(
  options: TelemetryOptions,
  app: string,
  version: string,
  logger: Logger,
): OtelBridge {
  const tracer: Tracer = options.tracerProvider.getTracer("weft", version);
  let preset: { traceId: string; spanId: string } | undefined;
  const sdk = tracer as unknown as { _idGenerator?: IdGenerator };
  const original = sdk._idGenerator;
  if (original !== undefined && typeof original.generateSpanId === "function") {
    sdk._idGenerator = {
      generateTraceId: () => preset?.traceId ?? original.generateTraceId(),
      generateSpanId: () => preset?.spanId ?? original.generateSpanId(),
    };
  } else {
    logger.warn(
      { app },
      "the tracer provider's tracers have no id generator Weft can feed: OTel spans get their own span ids",
    );
  }
  return {
    emit(span) {
      const parent =
        span.parentSpanId === undefined
          ? ROOT_CONTEXT
          : trace.setSpanContext(ROOT_CONTEXT, {
              traceId: span.traceId,
              spanId: span.parentSpanId,
              traceFlags: TraceFlags.SAMPLED,
              isRemote: true,
            });
      const attributes: Attributes =
        span.kind === "internal"
          ? { "weft.app": span.app, "weft.service": span.service, "weft.operation": span.method }
          : {
              "rpc.system": "weft",
              "rpc.service": span.service,
              "rpc.method": span.method,
              "weft.app": span.app,
              "weft.remote": span.remote,
            };
      if (span.caller !== undefined) attributes["weft.caller"] = span.caller;
      if (span.bytes !== undefined) attributes["weft.bytes"] = span.bytes;
      preset = { traceId: span.traceId, spanId: span.spanId };
      let otel: ReturnType<Tracer["startSpan"]>;
      try {
        otel = tracer.startSpan(
          spanName(span),
          { kind: KINDS[span.kind], startTime: span.startTime, attributes },
          parent,
        );
      } finally {
        preset = undefined;
      }
      const error = span.error;
      // A span that ended well keeps the UNSET status, as OTel asks of instrumentation.
      if (error !== undefined) {
        otel.setAttributes({
          "weft.error.code": error.code,
          "weft.error.reason": error.reason,
          "error.type": error.code,
        });
        otel.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
      }
      otel.end(span.startTime + span.durationMs);
    },
  };
}
