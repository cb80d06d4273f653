/**
 * Traffic for the advisor from a JSON document, read tolerantly. Two shapes are understood:
 *
 * - a **traffic file**: `{ traffic: [{ from, to, calls, bytes?, latencyMs? }], k?, services?,
 *   groups?, constraints? }` with rates per second;
 * - a **topology snapshot**, the shape of the admin server's `GET /api/topology`: `{ edges: [{
 *   from, to, calls, errors?, remote?, bytes?, totalMs? }], services?, groups?, since? |
 *   windowSeconds? }` with counts since `since` (epoch ms or ISO time), turned into rates by
 *   dividing by the window. Its bytes are counted on the wire, for the `remote` calls (those that
 *   crossed processes): an edge's bytes per second are estimated from them, and left out when
 *   none of its calls crossed.
 *
 * Field aliases accepted: `source`/`caller` for `from`, `target`/`callee` for `to`, `count` for
 * `calls`. `weft placement suggest` and the dashboard's `/api/placement` both read traffic here.
 */
import { invalidArgument } from "../core/index.js";
import type { PlacementConstraints, TrafficEdge } from "./types.js";

/** What a traffic document gave the advisor. */
export interface TrafficSource {
  readonly traffic: TrafficEdge[];
  readonly services: string[];
  /** Today's grouping, when the source knows it. */
  readonly groups: Record<string, string[]> | undefined;
  readonly constraints: PlacementConstraints | undefined;
  readonly k: number | undefined;
  /** Seconds the counts were taken over (topology snapshots), for the report. */
  readonly windowSeconds: number | undefined;
  /**
   * True when every service ran in the process that took the snapshot (its services are all
   * `local`): then nothing crossed processes, whatever `groups` says. Undefined when not known.
   */
  readonly oneProcess: boolean | undefined;
  /**
   * Calls per second that crossed processes as measured (a snapshot's `remote` counts), and the
   * bytes per second they carried; undefined when the source does not say.
   */
  readonly measured: { readonly calls: number; readonly bytes: number } | undefined;
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

/** Parses a traffic file or topology snapshot (already JSON-decoded); `where` names it in errors. */
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
  let remoteCalls: number | undefined;
  let remoteBytes = 0;
  const traffic = rows.map((row, i): TrafficEdge => {
    if (!isObject(row)) throw bad(where, `entry ${i} is not an object`);
    const from = str(row.from, row.source, row.caller);
    const to = str(row.to, row.target, row.callee);
    const calls = num(row.calls, row.count, row.rate);
    if (from === undefined || to === undefined || calls === undefined || calls < 0)
      throw bad(where, `entry ${i} needs "from", "to" and a non-negative "calls"`);
    const bytes = num(row.bytes);
    const totalMs = num(row.totalMs);
    const remote = num(row.remote);
    if (isSnapshot && remote !== undefined) {
      remoteCalls = (remoteCalls ?? 0) + remote / per;
      remoteBytes += (bytes ?? 0) / per;
    }
    const latencyMs =
      num(row.latencyMs, row.meanMs) ??
      (totalMs !== undefined && calls > 0 ? totalMs / calls : undefined);
    // A snapshot counts bytes on the wire only, so for its remote calls: the edge's bytes per
    // second are those per remote call times all its calls, and unknown when none went remote.
    const rate =
      bytes === undefined || (remote !== undefined && remote <= 0)
        ? undefined
        : remote === undefined
          ? bytes / per
          : ((bytes / remote) * calls) / per;
    return {
      from,
      to,
      calls: calls / per,
      ...(rate === undefined ? {} : { bytes: rate }),
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
  const local: boolean[] = [];
  for (const s of Array.isArray(doc.services) ? doc.services : []) {
    const name = typeof s === "string" ? s : isObject(s) ? str(s.name, s.service) : undefined;
    if (name === undefined) continue;
    services.push(name);
    if (isObject(s) && typeof s.local === "boolean") local.push(s.local);
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
    oneProcess:
      local.length > 0 && local.length === services.length ? local.every(Boolean) : undefined,
    measured: remoteCalls === undefined ? undefined : { calls: remoteCalls, bytes: remoteBytes },
  };
}
