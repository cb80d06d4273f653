/**
 * An app's observability as an app extension: the call observer core reports spans to, feeding the
 * trace recorder, the edge tally, RED metrics and (when given an SDK) OpenTelemetry. Other modules
 * reach it with `app.use(OBSERVE)` — the workflow engine and events add their counters to its
 * metrics, the admin server and the dashboard read the recorder.
 *
 * @example
 * ```ts
 * const { metrics, recorder } = app.use(OBSERVE);
 * metrics.counter("shop_orders_total", "Orders placed", ["country"]).inc({ country: "NL" });
 * ```
 */
import { randomUUID } from "node:crypto";
import {
  type AppExtension,
  type CallObserver,
  type ExtensionKey,
  extensionKey,
  type FinishedSpan,
} from "../core/index.js";
import { CallMetrics } from "./metrics/call-metrics.js";
import { registerProcessMetrics } from "./metrics/process-metrics.js";
import { createMetrics, type Metrics } from "./metrics/registry.js";
import type { OtelBridge, TelemetryOptions } from "./otel-bridge.js";
import { TraceRecorder } from "./recorder.js";
import { Topology } from "./topology.js";
import { weftVersion } from "./version.js";

/** What `app.use(OBSERVE)` gives. */
export interface Observability {
  /** The last finished spans, grouped into traces on demand. */
  readonly recorder: TraceRecorder;
  /** Calls made by this process, per caller → callee edge. */
  readonly topology: Topology;
  /** The app's metrics (Prometheus text at the admin server's `/metrics`). */
  readonly metrics: Metrics;
  /** This app instance's id (a UUID made when the app was created). */
  readonly instance: string;
  /** Calls `listener` with every span once recorded; returns a function that stops it. */
  subscribe(listener: (span: FinishedSpan) => void): () => void;
}

/** The key under which an app provides its observability. */
export const OBSERVE: ExtensionKey<Observability> = extensionKey<Observability>(
  "observability (createApp from weft with `observe: true`, `admin: true` or `telemetry`)",
);

/** Options of {@link observeExtension}. */
export interface ObserveOptions {
  /** Spans the recorder keeps. Default 10,000. */
  readonly maxSpans?: number;
  /** Also emit every span through this OpenTelemetry SDK. Default none. */
  readonly telemetry?: TelemetryOptions;
  /** Process metrics: memory, CPU, event loop delay, uptime. Default true. */
  readonly processMetrics?: boolean;
}

/** The observability extension: give `observer` to the app (AppOptions.observer). */
export interface ObserveExtension extends AppExtension, Observability {
  readonly observer: CallObserver;
}

/**
 * The metrics of the app behind a context or an app, or undefined when it records none: for
 * modules that count when observability is on and stay silent otherwise.
 */
export function metricsOf(from: { use<T>(key: ExtensionKey<T>): T }): Metrics | undefined {
  try {
    return from.use(OBSERVE).metrics;
  } catch {
    return undefined;
  }
}

/** Makes the observability extension of one app. */
export function observeExtension(options: ObserveOptions = {}): ObserveExtension {
  const recorder = new TraceRecorder(options.maxSpans ?? 10_000);
  const topology = new Topology();
  const metrics = createMetrics();
  const calls = new CallMetrics(metrics);
  const listeners = new Set<(span: FinishedSpan) => void>();
  const instance = randomUUID();
  let bridge: OtelBridge | undefined;
  let stopProcessMetrics: (() => void) | undefined;

  const observer: CallObserver = {
    onSpan(span) {
      recorder.record(span);
      topology.record(span);
      calls.record(span);
      bridge?.emit(span);
      if (listeners.size > 0) for (const listener of listeners) listener(span);
    },
  };

  const extension: ObserveExtension = {
    name: "observe",
    observer,
    recorder,
    topology,
    metrics,
    instance,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start(app) {
      if (options.telemetry !== undefined) {
        const { createOtelBridge } = await import("./otel-bridge.js");
        bridge = createOtelBridge(options.telemetry, app.name, weftVersion(), app.logger);
      }
      const info = metrics.gauge("weft_app_info", "The app, its instance id and Weft's version.", [
        "app",
        "instance",
        "version",
      ]);
      info.set({ app: app.name, instance, version: weftVersion() }, 1);
      const ready = metrics.gauge(
        "weft_app_ready",
        "1 while the app serves and is not draining, else 0.",
      );
      metrics.onCollect(() => ready.set(undefined, app.ready ? 1 : 0));
      if (options.processMetrics !== false) stopProcessMetrics ??= registerProcessMetrics(metrics);
    },
    async stop() {
      stopProcessMetrics?.();
      stopProcessMetrics = undefined;
    },
    provide: (key) => (key === OBSERVE ? extension : undefined),
  };
  return extension;
}
