/**
 * The admin server's own routes: health probes, Prometheus metrics, the app's description, recent
 * traces, one trace, the call graph, and the live span stream.
 */
import { hostname } from "node:os";
import { type App, invalidArgument, notFound } from "../../core/index.js";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/exposition.js";
import type { Observability } from "../observability.js";
import { weftVersion } from "../version.js";
import { ADMIN_CONFIG } from "./config.js";
import { type HealthCheck, readiness } from "./health.js";
import type { AdminRouter } from "./router.js";
import { isAuthorized } from "./server.js";
import { spanStream } from "./span-stream.js";

/** What the built-in routes read. */
export interface BuiltInRoutesOptions {
  readonly app: App;
  readonly observe: Observability;
  readonly checks: ReadonlyMap<string, HealthCheck>;
  /** The admin server's URL, once listening. */
  readonly url: () => string | undefined;
}

function limitOf(query: URLSearchParams): number | undefined {
  const raw = query.get("limit");
  if (raw === null || raw === "") return undefined;
  if (!/^\d{1,6}$/.test(raw)) {
    throw invalidArgument("INVALID_QUERY", "limit must be a whole number", {
      issues: [{ path: ["query", "limit"], message: "must be a whole number" }],
    });
  }
  return Number(raw);
}

/** Adds the built-in routes. */
export function addBuiltInRoutes(router: AdminRouter, options: BuiltInRoutesOptions): void {
  const { app, observe, checks } = options;
  router.add("GET", "/livez", () => ({ json: { status: "alive" } }), { public: true });
  const ready = async (request: { raw: { headers: { authorization?: string } } }) => {
    const result = await readiness(app, checks);
    const token = app.config.get(ADMIN_CONFIG).token;
    // Probes are public; why a check failed (hosts, driver messages) is shown only to the operator.
    const detailed = token === undefined || isAuthorized(request.raw.headers.authorization, token);
    const body = detailed
      ? result
      : {
          status: result.status,
          checks: Object.fromEntries(
            Object.entries(result.checks).map(([name, r]) => [name, { ok: r.ok }]),
          ),
        };
    return { status: result.status === "ready" ? 200 : 503, json: body };
  };
  router.add("GET", "/readyz", ready, { public: true });
  router.add("GET", "/healthz", ready, { public: true });
  router.add("GET", "/metrics", () => ({
    text: observe.metrics.render(),
    contentType: PROMETHEUS_CONTENT_TYPE,
  }));
  router.add("GET", "/api/app", () => ({
    json: {
      ...app.describe(),
      instance: observe.instance,
      pid: process.pid,
      hostname: hostname(),
      node: process.version,
      weft: weftVersion(),
      uptimeSeconds: process.uptime(),
      admin: options.url() ?? null,
    },
  }));
  router.add("GET", "/api/traces", ({ query }) => {
    const limit = limitOf(query);
    const service = query.get("service");
    const traces = observe.recorder.traces({
      ...(limit === undefined ? {} : { limit }),
      ...(service === null || service === "" ? {} : { service }),
      errors: query.get("errors") === "true",
    });
    const { recorder } = observe;
    return {
      json: {
        traces,
        recorded: recorder.recorded,
        held: recorder.size,
        capacity: recorder.capacity,
      },
    };
  });
  router.add("GET", "/api/traces/:traceId", ({ params }) => {
    const traceId = params.traceId as string;
    const spans = observe.recorder.trace(traceId);
    if (spans === undefined) {
      throw notFound(
        "TRACE_NOT_FOUND",
        `no span of trace ${traceId} is held (it may have been dropped)`,
        {
          metadata: { traceId },
        },
      );
    }
    return { json: { traceId, spans } };
  });
  router.add("GET", "/api/topology", () => {
    const d = app.describe();
    const all = observe.topology.snapshot();
    return {
      json: {
        app: app.name,
        instance: observe.instance,
        since: observe.topology.since,
        now: Date.now(),
        groups: d.groups,
        services: Object.entries(d.groups).flatMap(([group, services]) =>
          services.map((name) => ({ name, group, local: d.localServices.includes(name) })),
        ),
        // Calls between services; calls from outside any service (scripts, tests) apart.
        edges: all.filter((e) => e.from !== null),
        external: all.filter((e) => e.from === null).map(({ from: _, ...edge }) => edge),
      },
    };
  });
  router.add("GET", "/api/events/stream", spanStream(app, observe));
}
