/** The advisor's answer in plain words. */
import type { PairTraffic } from "./types.js";

/** A rate for people: `420 calls/s`, `2.5 calls/s`, `1.2 MiB/s`. */
export function formatRate(value: number, unit: "calls/s" | "bytes/s"): string {
  if (unit === "bytes/s") {
    const units = ["B/s", "KiB/s", "MiB/s", "GiB/s"];
    let v = value;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u += 1;
    }
    return `${trim(v)} ${units[u]}`;
  }
  return `${trim(value)} calls/s`;
}

function trim(v: number): string {
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : String(Math.round(v * 10) / 10);
}

/** What the explanation is made of. */
export interface ExplainFacts {
  readonly unit: "calls/s" | "bytes/s";
  readonly total: number;
  readonly cost: number;
  readonly before: number | undefined;
  readonly unconstrained: number | undefined;
  readonly groupCount: number;
  readonly serviceCount: number;
  readonly method: "exact" | "heuristic";
  readonly kept: readonly PairTraffic[];
  readonly cut: readonly PairTraffic[];
  readonly moves: readonly { service: string; from: string; to: string }[];
  readonly missingFromCurrent: readonly string[];
  /** Names of today's groups. */
  readonly currentGroups: readonly string[];
  /** Every service runs in one process now: today's groups are compared as if split. */
  readonly oneProcessNow: boolean;
  /** Services with no traffic to or from another service. */
  readonly idle: readonly string[];
  /** Services per group. */
  readonly sizes: readonly number[];
  /** True when maxServices or maxLoad was given. */
  readonly capacityGiven: boolean;
}

const pct = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 100));

/** `a`, `a and b`, `a, b and c`. */
function list(names: readonly string[]): string {
  return names.length <= 1
    ? (names[0] ?? "")
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** Today's groups run one process each, against this grouping (the app runs in one process). */
function compareWithSplit(f: ExplainFacts, r: (v: number) => string): string {
  const before = f.before ?? 0;
  const today = `Split as today's ${f.currentGroups.length} groups (${f.currentGroups.join(", ")}), one process each, they would send ${r(before)} between processes`;
  if (f.cost < before - 1e-9)
    return f.cost <= 1e-9
      ? `${today}: this grouping sends none.`
      : `${today}: this grouping sends ${r(before - f.cost)} less (${pct(before - f.cost, before)}% less).`;
  if (f.cost > before + 1e-9)
    return `${today}, less than this grouping: today's grouping has fewer groups or breaks a rule you gave.`;
  return `${today}, as much as this grouping.`;
}

/** One sentence per line. */
export function explain(f: ExplainFacts): string[] {
  const r = (v: number) => formatRate(v, f.unit);
  const lines: string[] = [];
  lines.push(
    `${f.serviceCount} services exchange ${r(f.total)} in all; with ${f.groupCount} process(es) the grouping below sends ${r(f.cost)} (${pct(f.cost, f.total)}%) between processes.`,
  );
  if (f.before !== undefined && f.oneProcessNow) {
    lines.push(
      `Today all ${f.serviceCount} services run in one process, so nothing crosses processes yet.`,
    );
    if (f.currentGroups.length > 1) lines.push(compareWithSplit(f, r));
  } else if (f.before !== undefined) {
    if (f.cost < f.before - 1e-9)
      lines.push(
        `Today ${r(f.before)} cross processes: this grouping saves ${r(f.before - f.cost)} (${pct(f.before - f.cost, f.before)}% less).`,
      );
    else if (f.cost > f.before + 1e-9)
      lines.push(
        `Today ${r(f.before)} cross processes, less than this grouping: today's grouping has fewer groups or breaks a rule you gave.`,
      );
    else
      lines.push(
        `Today's grouping is already as good: it also sends ${r(f.before)} between processes.`,
      );
  } else if (f.missingFromCurrent.length > 0) {
    lines.push(
      `No comparison with today: ${f.missingFromCurrent.join(", ")} ${f.missingFromCurrent.length === 1 ? "is" : "are"} in no current group.`,
    );
  }
  for (const pair of f.kept.slice(0, 3)) {
    if (pair.weight <= 0) break;
    lines.push(
      `${pair.a} and ${pair.b} exchange ${r(pair.weight)}; keeping them in one process saves those ${r(pair.weight)} from the network.`,
    );
  }
  for (const pair of f.cut.slice(0, 3)) {
    if (pair.weight <= 0) break;
    const latency =
      pair.latencyMs === undefined ? "" : ` (now ${trim(pair.latencyMs)} ms per call on average)`;
    lines.push(
      `${pair.a} and ${pair.b} end up apart: their ${r(pair.weight)} will cross the network${latency}.`,
    );
  }
  if (f.groupCount > 1 && f.idle.length > 0 && f.idle.length < f.serviceCount)
    lines.push(
      `${list(f.idle)} had no ${f.unit === "bytes/s" ? "traffic" : "calls"} with other services, so ${f.idle.length === 1 ? "it costs" : "they cost"} nothing wherever ${f.idle.length === 1 ? "it goes" : "they go"} (only calls between services are weighed: events and the store are not).`,
    );
  if (f.unconstrained !== undefined && f.cost > f.unconstrained + 1e-9)
    lines.push(
      `Your constraints cost ${r(f.cost - f.unconstrained)}: without them the best ${f.groupCount} groups would send ${r(f.unconstrained)} between processes.`,
    );
  if (f.moves.length > 0)
    lines.push(
      `Changes from today: ${f.moves.map((m) => `${m.service} moves from ${m.from} to ${m.to}`).join("; ")}.`,
    );
  else if (f.before !== undefined) lines.push("No service changes group.");
  lines.push(
    f.method === "exact"
      ? "Found by exact search over every grouping: no grouping with these rules sends less."
      : "Found by greedy merging and local improvement: a good grouping, not proven the best.",
  );
  const largest = Math.max(...f.sizes);
  const smallest = Math.min(...f.sizes);
  if (f.groupCount > 1 && !f.capacityGiven && largest > 2 * smallest)
    lines.push(
      `The groups are uneven (${f.sizes.join(", ")} services): the cheapest cut often splits off a quiet service. To spread the work, set a limit: at most ${Math.ceil(f.serviceCount / f.groupCount) + 1} services per process (maxServices, --max-services ${Math.ceil(f.serviceCount / f.groupCount) + 1}) or a ceiling on the calls per second a process receives (maxLoad, --max-load).`,
    );
  if (f.groupCount > 1)
    lines.push(
      "One process would send nothing between processes: split only for a reason (scaling, isolation, separate deploys).",
    );
  return lines;
}
