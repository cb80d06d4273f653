/** The placement advisor's input and output. */

/** Traffic from one service to another, measured over some window (rates per second). */
export interface TrafficEdge {
  readonly from: string;
  readonly to: string;
  /** Calls per second from `from` to `to`. */
  readonly calls: number;
  /** Bytes per second (request and response), when known. */
  readonly bytes?: number;
  /** Mean latency of these calls in milliseconds, when known. */
  readonly latencyMs?: number;
}

/** Rules the grouping must keep. */
export interface PlacementConstraints {
  /** Each list of services must share one group. */
  readonly together?: readonly (readonly string[])[];
  /** The services of each list must be in pairwise different groups. */
  readonly apart?: readonly (readonly string[])[];
  /** Service → the named group it must be in (services with the same name share it). */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Most services in one group. */
  readonly maxServices?: number;
  /** Most load (see {@link PlacementInput.load}) in one group. */
  readonly maxLoad?: number;
}

/** What the advisor is asked. */
export interface PlacementInput {
  /** Services to place (services named only in `traffic` are added). */
  readonly services?: readonly string[];
  /** Directed traffic between services. */
  readonly traffic: readonly TrafficEdge[];
  /** Number of processes (groups). */
  readonly k: number;
  /** What a cut costs: calls per second (default) or bytes per second. */
  readonly weight?: "calls" | "bytes";
  readonly constraints?: PlacementConstraints;
  /** Today's grouping (group → services), to compare with. */
  readonly current?: Readonly<Record<string, readonly string[]>>;
  /**
   * True when every service runs in one process now (the app is not split): nothing crosses
   * processes today, and `current` is compared as today's groups each run as a process of its
   * own. Default: today's groups are taken to run one process each.
   */
  readonly oneProcessNow?: boolean;
  /** Load of each service for `maxLoad`. Default: the calls per second it receives. */
  readonly load?: Readonly<Record<string, number>>;
  /**
   * Allow fewer than `k` groups when that costs less. Default false: one process always has the
   * least cross-process traffic, so without this the advisor uses exactly `k` groups (or one per
   * service when there are fewer services).
   */
  readonly allowFewer?: boolean;
  /** `exact` (at most 12 services after `together`), `heuristic`, or `auto` (default). */
  readonly method?: "auto" | "exact" | "heuristic";
}

/** A pair of services and the traffic between them (both directions added up). */
export interface PairTraffic {
  readonly a: string;
  readonly b: string;
  /** Weight of the pair per second (calls or bytes, as chosen). */
  readonly weight: number;
  /** Mean latency over both directions in ms, when known. */
  readonly latencyMs?: number;
}

/** The advisor's answer. */
export interface PlacementAdvice {
  /** Group name → services (sorted), ready for `defineApp({ groups })`. */
  readonly groups: Record<string, string[]>;
  /** Cross-process weight per second with this grouping. */
  readonly cost: number;
  /** Cross-process weight per second with `current`, when given and complete. */
  readonly before: number | undefined;
  /** Weight per second between all services. */
  readonly total: number;
  /** The unit of `cost`, `before` and `total`. */
  readonly unit: "calls/s" | "bytes/s";
  /** Cross-process weight the best grouping would have without the constraints (same k). */
  readonly unconstrained: number | undefined;
  /** How the grouping was found. */
  readonly method: "exact" | "heuristic";
  /** Pairs kept in one process, heaviest first. */
  readonly kept: readonly PairTraffic[];
  /** Pairs that cross processes, heaviest first. */
  readonly cut: readonly PairTraffic[];
  /** Services that change group compared with `current`. */
  readonly moves: readonly { service: string; from: string; to: string }[];
  /** The suggestion in plain words, one sentence per line. */
  readonly explanation: readonly string[];
  /** `WEFT_GROUP` of each process to run. */
  readonly processes: readonly { group: string; env: { WEFT_GROUP: string } }[];
}
