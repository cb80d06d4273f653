/**
 * Observability of Weft apps: trace ids on every call (made by Weft itself), an in-process trace
 * recorder, a call graph tally, Prometheus metrics, an optional OpenTelemetry bridge per app, and
 * the admin server (health probes, `/metrics`, traces, topology, workflow management, a live span
 * stream). `createApp` from `weft` wires it: `admin: true` (what `weft start` does), `observe:
 * true`, or `telemetry: { tracerProvider }`. See docs/observability.md.
 *
 * @example
 * ```ts
 * import { createApp } from "weft";
 * import { ADMIN, OBSERVE } from "weft/observe";
 * const app = createApp(shop, { admin: true, config: { adminPort: 0 } });
 * await app.start();
 * console.log(app.use(ADMIN).url);                       // http://127.0.0.1:<port>
 * console.log(app.use(OBSERVE).recorder.traces({ limit: 5 }));
 * ```
 */

export { ADMIN_CONFIG, type AdminConfig } from "./admin/config.js";
export {
  ADMIN,
  type AdminExtensionOptions,
  type AdminServer,
  adminExtension,
  adminUrl,
} from "./admin/extension.js";
export { type CheckResult, type HealthCheck, type Readiness, readiness } from "./admin/health.js";
export { httpStatus } from "./admin/http.js";
export {
  type AdminHandler,
  type AdminMethod,
  type AdminReply,
  type AdminRequest,
  type AdminRouteOptions,
  AdminRouter,
} from "./admin/router.js";
export {
  type AdminListener,
  type AdminListenOptions,
  isAuthorized,
  listenAdmin,
} from "./admin/server.js";
export { addWorkflowRoutes, type WorkflowManager } from "./admin/workflow-routes.js";
export {
  type ObserveAppOptions,
  type ObservedApp,
  type ObserveWiring,
  observeApp,
  transportCheck,
} from "./compose.js";
export { PROMETHEUS_CONTENT_TYPE } from "./metrics/exposition.js";
export {
  type Counter,
  type CounterSeries,
  createMetrics,
  DEFAULT_BUCKETS,
  type Gauge,
  type Histogram,
  type HistogramSeries,
  type LabelValues,
  type Metrics,
} from "./metrics/registry.js";
export {
  metricsOf,
  OBSERVE,
  type Observability,
  type ObserveExtension,
  type ObserveOptions,
  observeExtension,
} from "./observability.js";
export type { OtelBridge, TelemetryOptions } from "./otel-bridge.js";
export { type TraceQuery, TraceRecorder, type TraceSummary } from "./recorder.js";
export { type SpanError, type SpanView, spanName, viewSpan } from "./span-view.js";
export { type Edge, Topology } from "./topology.js";
