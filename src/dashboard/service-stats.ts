/**
 * What the Services page shows, computed from the spans a process holds (its trace recorder):
 * per service and method, calls, errors, calls per second over the last minute, and latency
 * percentiles. A service served here is measured by its server spans (as it served the calls) and
 * its performed work (event handlers, gateway routes); a service served elsewhere by the client
 * spans of the calls made to it from here (as its callers saw them).
 */
import type { AppDescription, FinishedSpan } from "../core/index.js";

/** How long "calls per second" looks back. */
export const RATE_WINDOW_MS = 60_000;

/** Latency and volume of one method or operation. */
export interface CallStats {
  /** Calls among the held spans. */
  readonly calls: number;
  readonly errors: number;
  /** Calls per second over the last minute (or since the app started, if less). */
  readonly perSecond: number;
  readonly p50Ms: number | null;
  readonly p99Ms: number | null;
  /** Epoch ms of the latest call, or null. */
  readonly lastAt: number | null;
}

/** One method of a service (or one kind of work it performs: `on order.placed`, `GET /x`). */
export interface MethodStats extends CallStats {
  readonly name: string;
  /** `method`: declared in the contract; `operation`: work performed (events, HTTP routes). */
  readonly kind: "method" | "operation";
  readonly description: string | null;
  readonly idempotent: boolean | null;
}

/** A process running services, as far as this process knows it. */
export interface ProcessInfo {
  readonly app: string;
  readonly instance: string;
  readonly pid: number;
  readonly hostname: string;
  /** Groups the process runs. */
  readonly groups: readonly string[];
}

/** One service on the Services page. */
export interface ServiceStats extends CallStats {
  readonly name: string;
  readonly group: string | null;
  /** True when this process serves it. */
  readonly local: boolean;
  /** `served`: measured where it runs; `called`: measured by its callers in this process. */
  readonly measured: "served" | "called";
  readonly processes: readonly ProcessInfo[];
  readonly methods: readonly MethodStats[];
}

/** A declared method, from the app's contracts. */
export interface DeclaredMethod {
  readonly description: string | undefined;
  readonly idempotent: boolean;
}

/** Inputs of {@link serviceStats}. */
export interface ServiceStatsInput {
  readonly spans: readonly FinishedSpan[];
  readonly description: AppDescription;
  /** Methods per service, from the app's definition, so that uncalled methods show too. */
  readonly contracts: ReadonlyMap<string, ReadonlyMap<string, DeclaredMethod>>;
  readonly process: ProcessInfo;
  readonly now: number;
  /** Epoch ms since when calls are counted (the app's start). */
  readonly since: number;
}

/** The `q` quantile (0..1) of sorted values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** Calls, errors, rate and percentiles of a set of spans. */
export function callStats(spans: readonly FinishedSpan[], now: number, since: number): CallStats {
  const durations = spans.map((s) => s.durationMs).sort((a, b) => a - b);
  const windowStart = now - RATE_WINDOW_MS;
  const recent = spans.filter((s) => s.startTime >= windowStart).length;
  const seconds = Math.max(1, Math.min(RATE_WINDOW_MS, now - since) / 1000);
  let lastAt: number | null = null;
  let errors = 0;
  for (const s of spans) {
    if (s.error !== undefined) errors += 1;
    lastAt = Math.max(lastAt ?? 0, s.startTime + s.durationMs);
  }
  return {
    calls: spans.length,
    errors,
    perSecond: recent / seconds,
    p50Ms: quantile(durations, 0.5),
    p99Ms: quantile(durations, 0.99),
    lastAt,
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** Per service (every service of the app, in its groups' order) with its methods. */
export function serviceStats(input: ServiceStatsInput): ServiceStats[] {
  const { description, now, since } = input;
  const local = new Set(description.localServices);
  const groupOf = new Map<string, string>();
  for (const [group, names] of Object.entries(description.groups)) {
    for (const name of names) groupOf.set(name, group);
  }
  // service → method → spans that measure it
  const measured = new Map<string, Map<string, FinishedSpan[]>>();
  const operations = new Map<string, Set<string>>();
  for (const span of input.spans) {
    const served = local.has(span.service);
    const counts =
      span.kind === "internal" ||
      (served && span.kind === "server") ||
      (!served && span.kind === "client");
    if (!counts) continue;
    let methods = measured.get(span.service);
    if (methods === undefined) {
      methods = new Map();
      measured.set(span.service, methods);
    }
    push(methods, span.method, span);
    if (span.kind === "internal") {
      const ops = operations.get(span.service) ?? new Set<string>();
      ops.add(span.method);
      operations.set(span.service, ops);
    }
  }
  const names = [...groupOf.keys()];
  for (const name of [...input.contracts.keys(), ...measured.keys()]) {
    if (!names.includes(name)) names.push(name);
  }
  return names.map((name) => {
    const declared = input.contracts.get(name) ?? new Map<string, DeclaredMethod>();
    const seen = measured.get(name) ?? new Map<string, FinishedSpan[]>();
    const methodNames = [...declared.keys()];
    for (const m of seen.keys()) if (!methodNames.includes(m)) methodNames.push(m);
    const methods: MethodStats[] = methodNames.map((m) => {
      const spec = declared.get(m);
      const isOperation = operations.get(name)?.has(m) === true && spec === undefined;
      return {
        name: m,
        kind: isOperation ? "operation" : "method",
        description: spec?.description ?? null,
        idempotent: spec === undefined ? null : spec.idempotent,
        ...callStats(seen.get(m) ?? [], now, since),
      };
    });
    const isLocal = local.has(name);
    return {
      name,
      group: groupOf.get(name) ?? null,
      local: isLocal,
      measured: isLocal ? "served" : "called",
      processes: isLocal ? [input.process] : [],
      methods,
      ...callStats([...seen.values()].flat(), now, since),
    };
  });
}
