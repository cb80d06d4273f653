/**
 * Who calls whom: a tally per edge (caller service → callee service) of the calls this process
 * made since it started — count, errors, calls that crossed a process, bytes on the wire and total
 * latency. Built from client spans; the dashboard's topology and the placement advisor read it.
 */
import type { FinishedSpan } from "../core/index.js";

/** One edge of the call graph, as this process saw it. */
export interface Edge {
  /** The calling service; null for calls from outside any service (scripts, tests). */
  readonly from: string | null;
  readonly to: string;
  readonly calls: number;
  readonly errors: number;
  /** Calls that crossed a process boundary. */
  readonly remote: number;
  /** Bytes on the wire (request and reply), where the transport reported them. */
  readonly bytes: number;
  /** Sum of the callers' latencies, in milliseconds. */
  readonly totalMs: number;
}

interface Tally {
  calls: number;
  errors: number;
  remote: number;
  bytes: number;
  totalMs: number;
}

/** The edge tally of one app. */
export class Topology {
  /** Epoch milliseconds of the first moment counted. */
  readonly since = Date.now();
  private readonly edges = new Map<string | null, Map<string, Tally>>();

  /** Counts a span (client spans only: a call made). */
  record(span: FinishedSpan): void {
    if (span.kind !== "client") return;
    const from = span.caller ?? null;
    let targets = this.edges.get(from);
    if (targets === undefined) {
      targets = new Map();
      this.edges.set(from, targets);
    }
    let t = targets.get(span.service);
    if (t === undefined) {
      t = { calls: 0, errors: 0, remote: 0, bytes: 0, totalMs: 0 };
      targets.set(span.service, t);
    }
    t.calls += 1;
    if (span.error !== undefined) t.errors += 1;
    if (span.remote) t.remote += 1;
    t.bytes += span.bytes ?? 0;
    t.totalMs += span.durationMs;
  }

  /** Every edge counted so far. */
  snapshot(): Edge[] {
    const out: Edge[] = [];
    for (const [from, targets] of this.edges) {
      for (const [to, t] of targets) out.push({ from, to, ...t });
    }
    return out;
  }
}
