/**
 * The Placement page's answer: the advisor run over the traffic an app recorded, with the
 * cross-process traffic of three placements side by side — now (measured), today's groups run one
 * process each, and the suggestion — and the config to apply. Pure: the route gives it the
 * snapshot's traffic (see placement-routes.ts).
 */
import {
  crossTraffic,
  type PairTraffic,
  type PlacementConfig,
  type PlacementInput,
  type PlacementRequest,
  placementConfig,
  placementInput,
  suggestPlacement,
  type TrafficSource,
} from "../placement/index.js";

/** Traffic that crosses processes in one placement. */
export interface CrossFigure {
  /** Which placement, for people. */
  readonly label: string;
  /** Processes of that placement; null when not known (measured from one process of several). */
  readonly processes: number | null;
  readonly callsPerSecond: number;
  /**
   * Bytes per second (request and reply): measured on calls that crossed processes, estimated from
   * them for other placements; null when some traffic that would cross was never measured.
   */
  readonly bytesPerSecond: number | null;
}

/** The advisor's suggestion for the recorded traffic. */
export interface PlacementSuggestion {
  /** Group name → services: one process per group. */
  readonly groups: Record<string, string[]>;
  readonly method: "exact" | "heuristic";
  /** The suggestion in plain words, one sentence per line. */
  readonly explanation: readonly string[];
  /** Pairs kept in one process / crossing processes, heaviest first (calls per second). */
  readonly kept: readonly PairTraffic[];
  readonly cut: readonly PairTraffic[];
  /** Services that change group compared with today's groups. */
  readonly moves: readonly { service: string; from: string; to: string }[];
  readonly crossProcess: {
    /** As the app runs now, measured by this process. */
    readonly now: CrossFigure;
    /** Today's groups (`defineApp({ groups })`), one process each; null when not known. */
    readonly before: CrossFigure | null;
    /** The suggestion. */
    readonly after: CrossFigure;
    /** Every service in a process of its own: all traffic between services. */
    readonly total: CrossFigure;
  };
  /** What to change: `groups` for defineApp and one `WEFT_GROUP` per process. */
  readonly config: PlacementConfig;
}

/** What `GET /api/placement` answers. */
export interface PlacementReport {
  /** Processes planned for. */
  readonly k: number;
  /** Every service of the app. */
  readonly services: readonly string[];
  /** Seconds the traffic was recorded over (since the app started). */
  readonly windowSeconds: number;
  readonly rules: {
    readonly together: readonly (readonly string[])[];
    readonly apart: readonly (readonly string[])[];
    readonly maxServices: number | null;
  };
  /** Today's groups, and whether every service runs in this one process. */
  readonly current: {
    readonly groups: Record<string, string[]>;
    readonly oneProcess: boolean | null;
  };
  /** Null when no call between services was recorded yet. */
  readonly suggestion: PlacementSuggestion | null;
}

/** Bytes per second crossing processes with `groups`, when every crossing edge was measured. */
function crossBytes(
  input: PlacementInput,
  groups: Readonly<Record<string, readonly string[]>>,
): number | null {
  const groupOf = new Map<string, string>();
  for (const [g, services] of Object.entries(groups)) for (const s of services) groupOf.set(s, g);
  let bytes = 0;
  for (const e of input.traffic) {
    if (e.from === e.to || e.calls === 0) continue;
    if ((groupOf.get(e.from) ?? `\u0000${e.from}`) === (groupOf.get(e.to) ?? `\u0000${e.to}`))
      continue;
    if (e.bytes === undefined) return null;
    bytes += e.bytes;
  }
  return bytes;
}

/** Runs the advisor over `source` (a topology snapshot of a running app) with `request`'s rules. */
export function placementReport(source: TrafficSource, request: PlacementRequest): PlacementReport {
  const groups = source.groups ?? {};
  const report = {
    k: request.k,
    services: source.services,
    windowSeconds: source.windowSeconds ?? 0,
    rules: {
      together: request.together ?? [],
      apart: request.apart ?? [],
      maxServices: request.maxServices ?? null,
    },
    current: { groups, oneProcess: source.oneProcess ?? null },
  };
  if (!source.traffic.some((e) => e.from !== e.to && e.calls > 0))
    return { ...report, suggestion: null };
  const input = placementInput(source, request);
  const advice = suggestPlacement(input);
  const everyServiceAlone = Object.fromEntries(source.services.map((s) => [s, [s]]));
  const oneProcess = source.oneProcess === true;
  const groupCount = Object.keys(groups).length;
  return {
    ...report,
    suggestion: {
      groups: advice.groups,
      method: advice.method,
      explanation: advice.explanation,
      kept: advice.kept,
      cut: advice.cut,
      moves: advice.moves,
      crossProcess: {
        now: {
          label: oneProcess ? "now: every service in this process" : "now, measured here",
          processes: oneProcess ? 1 : null,
          callsPerSecond: oneProcess ? 0 : (source.measured?.calls ?? 0),
          bytesPerSecond: oneProcess ? 0 : (source.measured?.bytes ?? null),
        },
        before:
          advice.before === undefined
            ? null
            : {
                label: `today's ${groupCount} groups, one process each`,
                processes: groupCount,
                callsPerSecond: advice.before,
                bytesPerSecond: crossBytes(input, groups),
              },
        after: {
          label: `suggested, ${Object.keys(advice.groups).length} processes`,
          processes: Object.keys(advice.groups).length,
          callsPerSecond: advice.cost,
          bytesPerSecond: crossBytes(input, advice.groups),
        },
        total: {
          label: "every service in a process of its own",
          processes: source.services.length,
          callsPerSecond: crossTraffic(input, everyServiceAlone),
          bytesPerSecond: crossBytes(input, everyServiceAlone),
        },
      },
      config: placementConfig(advice.groups),
    },
  };
}
