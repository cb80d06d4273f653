/**
 * `GET /api/placement?k=2&together=cart,checkout&apart=payment,gateway&maxServices=4`: the
 * placement advisor over the calls this process recorded since the app started (the traffic of
 * `/api/topology`, read by the same code as `weft placement suggest --admin`). `together` and
 * `apart` may be repeated, one list of services each. Answers a {@link PlacementReport}.
 *
 * INVALID_ARGUMENT (400) naming the parameter when `k` is not a whole number from 1 to the number
 * of services, a list names a service the app does not have or fewer than two, or `maxServices`
 * is not a whole number ≥ 1; the advisor's own INVALID_ARGUMENT when rules contradict each other,
 * and FAILED_PRECONDITION (409) when no grouping keeps them all.
 */
import { type App, type FieldIssue, invalidArgument } from "../core/index.js";
import { type AdminServer, OBSERVE } from "../observe/index.js";
import { type PlacementRequest, parseTraffic, serviceList } from "../placement/index.js";
import { type PlacementReport, placementReport } from "./placement-report.js";

/** The app's call graph in the shape of `GET /api/topology`, calls from outside left out. */
function topologySnapshot(app: App) {
  const observe = app.use(OBSERVE);
  const d = app.describe();
  return {
    since: observe.topology.since,
    now: Date.now(),
    groups: d.groups,
    services: Object.entries(d.groups).flatMap(([group, services]) =>
      services.map((name) => ({ name, group, local: d.localServices.includes(name) })),
    ),
    edges: observe.topology.snapshot().filter((e) => e.from !== null),
  };
}

/** k when none is asked for: as many processes as today's groups, else two. */
function defaultK(groups: number, services: number): number {
  return Math.max(1, Math.min(services, groups > 1 ? groups : 2));
}

/** The lists of a repeated parameter (`together=a,b&together=c,d`), checked against `services`. */
function listsOf(
  query: URLSearchParams,
  name: "together" | "apart",
  services: readonly string[],
  issues: FieldIssue[],
): string[][] {
  const lists: string[][] = [];
  for (const raw of query.getAll(name)) {
    const list = [...new Set(serviceList(raw))];
    const unknown = list.filter((s) => !services.includes(s));
    if (unknown.length > 0) {
      issues.push({
        path: ["query", name],
        message: `${unknown.map((s) => `"${s}"`).join(", ")} ${unknown.length === 1 ? "is not a service" : "are not services"} of this app (its services: ${services.join(", ")})`,
      });
    } else if (list.length < 2) {
      issues.push({
        path: ["query", name],
        message: `needs at least two services, comma-separated (got "${raw}")`,
      });
    } else lists.push(list);
  }
  return lists;
}

/** The request a query asks for; INVALID_ARGUMENT naming every bad parameter. */
export function placementRequestOf(
  query: URLSearchParams,
  services: readonly string[],
  groups: number,
): PlacementRequest {
  const issues: FieldIssue[] = [];
  const n = services.length;
  const rawK = query.get("k");
  let k = defaultK(groups, n);
  if (rawK !== null && rawK !== "") {
    k = /^\d{1,4}$/.test(rawK) ? Number(rawK) : Number.NaN;
    if (!(k >= 1 && k <= n))
      issues.push({
        path: ["query", "k"],
        message: `must be a whole number of processes from 1 to ${n} (the app's services); got "${rawK}"`,
      });
  }
  const together = listsOf(query, "together", services, issues);
  const apart = listsOf(query, "apart", services, issues);
  const rawMax = query.get("maxServices");
  let maxServices: number | undefined;
  if (rawMax !== null && rawMax !== "") {
    maxServices = /^\d{1,4}$/.test(rawMax) ? Number(rawMax) : 0;
    if (maxServices < 1)
      issues.push({
        path: ["query", "maxServices"],
        message: `must be a whole number of services, at least 1; got "${rawMax}"`,
      });
  }
  if (issues.length > 0)
    throw invalidArgument(
      "INVALID_QUERY",
      issues.map((i) => `${i.path.slice(1).join(".")}: ${i.message}`).join("; "),
      { issues },
    );
  return { k, together, apart, ...(maxServices === undefined ? {} : { maxServices }) };
}

/** Adds `GET /api/placement` (it needs the admin token when one is set). */
export function addPlacementRoutes(route: AdminServer["route"], app: App): void {
  route("GET", "/api/placement", ({ query }) => {
    const snapshot = topologySnapshot(app);
    const source = parseTraffic(snapshot, "/api/placement");
    const request = placementRequestOf(query, source.services, Object.keys(snapshot.groups).length);
    const report: PlacementReport = placementReport(source, request);
    return { json: report };
  });
}
