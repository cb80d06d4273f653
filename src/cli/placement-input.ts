/**
 * Reads traffic for the placement advisor from a file or from a running app's admin server
 * (`GET /api/topology`). Two shapes are understood, and both are read tolerantly:
 *
 * - a **traffic file**: `{ traffic: [{ from, to, calls, bytes?, latencyMs? }], k?, services?,
 *   groups?, constraints? }` with rates per second;
 * - a **topology snapshot**: `{ edges: [{ from, to, calls, errors?, bytes?, totalMs? }],
 *   services?, since? | windowSeconds? }` with counts since `since` (epoch ms or ISO time), turned
 *   into rates by dividing by the window.
 *
 * Field aliases accepted: `source`/`caller` for `from`, `target`/`callee` for `to`, `count` for
 * `calls`.
 */
import { invalidArgument, unauthenticated, unavailable } from "../core/index.js";
import type { PlacementConstraints, TrafficEdge } from "../placement/index.js";

/** What a source gave the advisor. */
export interface TrafficSource {
  readonly traffic: TrafficEdge[];
  readonly services: string[];
  /** Today's grouping, when the source knows it. */
  readonly groups: Record<string, string[]> | undefined;
  readonly constraints: PlacementConstraints | undefined;
  readonly k: number | undefined;
  /** Seconds the counts were taken over (topology snapshots), for the report. */
  readonly windowSeconds: number | undefined;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const str = (...values: unknown[]) =>
  values.find((v) => typeof v === "string") as string | undefined;
const num = (...values: unknown[]) =>
  values.find((v) => typeof v === "number" && Number.isFinite(v)) as number | undefined;

function bad(where: string, message: string) {
  return invalidArgument(
    "TRAFFIC_INVALID",
    `${where}: ${message} (see docs/cli.md, "Traffic file")`,
  );
}

/** The window in seconds of a topology snapshot taken at `now`. */
function windowOf(doc: Json, now: number): number | undefined {
  const seconds = num(doc.windowSeconds, doc.window, doc.seconds);
  if (seconds !== undefined) return seconds;
  const since = doc.since ?? doc.startedAt ?? doc.from;
  const start =
    typeof since === "number" ? since : typeof since === "string" ? Date.parse(since) : Number.NaN;
  if (Number.isNaN(start)) return undefined;
  const end =
    typeof doc.now === "number" ? doc.now : typeof doc.at === "string" ? Date.parse(doc.at) : now;
  return Math.max(1e-3, (end - start) / 1000);
}

/** Parses a traffic file or topology snapshot (already JSON-decoded). */
export function parseTraffic(doc: unknown, where: string, now = Date.now()): TrafficSource {
  if (!isObject(doc)) throw bad(where, "expected a JSON object");
  const isSnapshot = !Array.isArray(doc.traffic) && Array.isArray(doc.edges);
  const rows = (isSnapshot ? doc.edges : doc.traffic) as unknown;
  if (!Array.isArray(rows))
    throw bad(where, 'expected a "traffic" (rates) or "edges" (counts) array');
  const window = isSnapshot ? windowOf(doc, now) : undefined;
  if (isSnapshot && window === undefined)
    throw bad(where, 'a topology snapshot needs "since" (epoch ms or ISO time) or "windowSeconds"');
  const per = window ?? 1;
  const traffic = rows.map((row, i): TrafficEdge => {
    if (!isObject(row)) throw bad(where, `entry ${i} is not an object`);
    const from = str(row.from, row.source, row.caller);
    const to = str(row.to, row.target, row.callee);
    const calls = num(row.calls, row.count, row.rate);
    if (from === undefined || to === undefined || calls === undefined || calls < 0)
      throw bad(where, `entry ${i} needs "from", "to" and a non-negative "calls"`);
    const bytes = num(row.bytes);
    const totalMs = num(row.totalMs);
    const latencyMs =
      num(row.latencyMs, row.meanMs) ??
      (totalMs !== undefined && calls > 0 ? totalMs / calls : undefined);
    return {
      from,
      to,
      calls: calls / per,
      ...(bytes === undefined ? {} : { bytes: bytes / per }),
      ...(latencyMs === undefined ? {} : { latencyMs }),
    };
  });
  const services: string[] = [];
  let groups: Record<string, string[]> | undefined = isObject(doc.groups)
    ? Object.fromEntries(
        Object.entries(doc.groups).map(([g, list]) => [
          g,
          Array.isArray(list) ? list.map(String) : [],
        ]),
      )
    : undefined;
  for (const s of Array.isArray(doc.services) ? doc.services : []) {
    const name = typeof s === "string" ? s : isObject(s) ? str(s.name, s.service) : undefined;
    if (name === undefined) continue;
    services.push(name);
    const group = isObject(s) ? str(s.group) : undefined;
    if (group !== undefined && !isObject(doc.groups)) {
      groups ??= {};
      groups[group] = [...(groups[group] ?? []), name];
    }
  }
  return {
    traffic,
    services,
    groups,
    constraints: isObject(doc.constraints) ? (doc.constraints as PlacementConstraints) : undefined,
    k: num(doc.k),
    windowSeconds: window,
  };
}

/** Fetches `/api/topology` from an app's admin server and parses it. */
export async function fetchTopology(
  admin: string,
  token: string | undefined,
): Promise<TrafficSource> {
  let url: URL;
  try {
    url = new URL("/api/topology", admin);
  } catch {
    throw invalidArgument(
      "ADMIN_URL_INVALID",
      `--admin must be a URL like http://127.0.0.1:9464 (got ${admin})`,
    );
  }
  let response: Response;
  try {
    response = await fetch(url, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw unavailable(
      "ADMIN_UNREACHABLE",
      `could not reach ${url.origin} (${(error as Error).cause ?? (error as Error).message}): is the app running, and its admin server on that address (WEFT_ADMIN_HOST, WEFT_ADMIN_PORT)?`,
    );
  }
  if (response.status === 401 || response.status === 403)
    throw unauthenticated(
      "ADMIN_TOKEN_REQUIRED",
      `${url.origin} refused the request (${response.status}): pass the app's WEFT_ADMIN_TOKEN with --token or the WEFT_ADMIN_TOKEN variable`,
    );
  if (!response.ok)
    throw unavailable(
      "ADMIN_ERROR",
      `${url} answered ${response.status}: the app's admin server has no topology to give`,
    );
  let doc: unknown;
  try {
    doc = await response.json();
  } catch {
    throw unavailable("ADMIN_ERROR", `${url} did not answer JSON`);
  }
  return parseTraffic(doc, url.toString());
}
