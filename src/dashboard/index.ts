/**
 * The Weft dashboard: services, topology, traces, workflows, events and errors of a running app,
 * in the browser, served by the app's admin server. `mountDashboard(app)` adds its pages and API
 * routes to the admin server; `serveDashboard` serves the built pages from any `node:http` server.
 * See docs/dashboard.md.
 *
 * @example
 * ```ts
 * import { createApp } from "weft";
 * import { mountDashboard } from "weft/dashboard";
 * const app = createApp(shop, { admin: true });
 * mountDashboard(app, { definition: shop });
 * await app.start(); // open http://127.0.0.1:9464/
 * ```
 */
export { dashboardRoot } from "./assets.js";
export { type EdgeStats, edgeStats } from "./edge-stats.js";
export { type ErrorGroup, errorGroups } from "./error-groups.js";
export { addEventsRoutes } from "./events-routes.js";
export { DASHBOARD_PAGES, type MountDashboardOptions, mountDashboard } from "./mount.js";
export { type AdminRouteAdder, addDashboardApi, contractsOf } from "./routes.js";
export {
  type DashboardResponse,
  dashboardResponse,
  normalizeBasePath,
  type ServeDashboardOptions,
  serveDashboard,
} from "./serve.js";
export {
  type CallStats,
  type DeclaredMethod,
  type MethodStats,
  type ProcessInfo,
  RATE_WINDOW_MS,
  type ServiceStats,
  serviceStats,
} from "./service-stats.js";
