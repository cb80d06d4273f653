/**
 * The call graph as the Topology page draws it: per caller → callee edge, from the client spans a
 * process holds, with calls per second over the last minute and how many calls crossed a process.
 * Calls from outside any service (scripts, tests, workflow steps) have `from: null`.
 */
import type { FinishedSpan } from "../core/index.js";
import { type CallStats, callStats } from "./service-stats.js";

/** One edge of the call graph. */
export interface EdgeStats extends CallStats {
  readonly from: string | null;
  readonly to: string;
  /** Calls that crossed a process boundary (over NATS). */
  readonly remote: number;
}

/** Edges of the held client spans, busiest first. */
export function edgeStats(spans: readonly FinishedSpan[], now: number, since: number): EdgeStats[] {
  const byEdge = new Map<string, { from: string | null; to: string; spans: FinishedSpan[] }>();
  for (const span of spans) {
    if (span.kind !== "client") continue;
    const from = span.caller ?? null;
    const key = `${from ?? ""}\u0000${span.service}`;
    const edge = byEdge.get(key);
    if (edge === undefined) byEdge.set(key, { from, to: span.service, spans: [span] });
    else edge.spans.push(span);
  }
  return [...byEdge.values()]
    .map(({ from, to, spans: list }) => ({
      from,
      to,
      remote: list.filter((s) => s.remote).length,
      ...callStats(list, now, since),
    }))
    .sort((a, b) => b.calls - a.calls);
}
