/**
 * The admin API routes the dashboard adds to the admin server's own (`/api/app`, `/api/traces`,
 * `/api/topology`, `/api/workflows…`, `/api/events/stream`):
 *
 * - `GET /api/services` — every service with its group, the process serving it, its methods with
 *   calls, errors, calls per second (last minute) and latency p50/p99, and the call graph's edges
 * - `GET /api/errors` — errors grouped by code and reason, counted per trace, with a sample trace
 * - `GET /api/placement` — the placement advisor over the recorded calls (placement-routes.ts)
 * - the events routes (events-routes.ts)
 *
 * Figures come from the spans this process holds (its trace recorder: the last 10,000 by default).
 */
import { hostname } from "node:os";
import type { App, AppDefinition, MethodMap } from "../core/index.js";
import { type AdminServer, OBSERVE } from "../observe/index.js";
import { edgeStats } from "./edge-stats.js";
import { errorGroups } from "./error-groups.js";
import { addEventsRoutes } from "./events-routes.js";
import { addPlacementRoutes } from "./placement-routes.js";
import { type DeclaredMethod, RATE_WINDOW_MS, serviceStats } from "./service-stats.js";

/** What registers a route: `app.use(ADMIN).route`. */
export type AdminRouteAdder = AdminServer["route"];

/** The declared methods of every service of a definition. */
export function contractsOf(
  definition: Pick<AppDefinition, "services"> | undefined,
): Map<string, Map<string, DeclaredMethod>> {
  const out = new Map<string, Map<string, DeclaredMethod>>();
  for (const impl of definition?.services ?? []) {
    const methods = new Map<string, DeclaredMethod>();
    for (const [name, spec] of Object.entries(impl.contract.methods as MethodMap)) {
      methods.set(name, { description: spec.description, idempotent: spec.idempotent });
    }
    out.set(impl.contract.name, methods);
  }
  return out;
}

/** Adds the dashboard's API routes (they need the admin token when one is set). */
export function addDashboardApi(
  route: AdminRouteAdder,
  app: App,
  definition?: Pick<AppDefinition, "services">,
): void {
  const contracts = contractsOf(definition);
  route("GET", "/api/services", () => {
    const observe = app.use(OBSERVE);
    const spans = observe.recorder.spans();
    const description = app.describe();
    const now = Date.now();
    const since = observe.topology.since;
    const process_ = {
      app: app.name,
      instance: observe.instance,
      pid: process.pid,
      hostname: hostname(),
      groups: description.running,
    };
    return {
      json: {
        now,
        since,
        windowMs: RATE_WINDOW_MS,
        process: process_,
        services: serviceStats({ spans, description, contracts, process: process_, now, since }),
        edges: edgeStats(spans, now, since),
      },
    };
  });
  route("GET", "/api/errors", () => {
    const { recorder } = app.use(OBSERVE);
    return {
      json: {
        groups: errorGroups(recorder.spans()),
        held: recorder.size,
        recorded: recorder.recorded,
      },
    };
  });
  addPlacementRoutes(route, app);
  addEventsRoutes(route, app);
}
