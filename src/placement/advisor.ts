/**
 * The placement advisor: from the traffic between services, which services should share a
 * process so that the fewest calls (or bytes) cross processes, within the rules given (services
 * together, apart, fixed to a named group, at most so many services or so much load per group).
 * Pure functions, no I/O: the CLI (`weft placement suggest`) and the dashboard feed it measured
 * traffic.
 *
 * @example
 * ```ts
 * import { suggestPlacement } from "weft/placement";
 * const advice = suggestPlacement({
 *   k: 2,
 *   traffic: [{ from: "cart", to: "catalog", calls: 420 }, { from: "checkout", to: "payment", calls: 12 }],
 *   constraints: { fixed: { gateway: "edge" } },
 * });
 * advice.groups;       // { … } for defineApp({ groups })
 * advice.explanation;  // ["cart and catalog exchange 420 calls/s; keeping them in one process …", …]
 * ```
 */
import { failedPrecondition } from "../core/index.js";
import { EXACT_LIMIT, solveExact } from "./exact.js";
import { explain } from "./explain.js";
import { solveHeuristic } from "./heuristic.js";
import { buildProblem, type Problem } from "./problem.js";
import type { PairTraffic, PlacementAdvice, PlacementInput } from "./types.js";

function solve(p: Problem, method: "exact" | "heuristic"): Int32Array | undefined {
  return method === "exact" ? solveExact(p) : solveHeuristic(p);
}

/** Both directions of traffic between two services, added up; mean latency weighted by calls. */
export function pairTraffic(input: PlacementInput): PairTraffic[] {
  const metric = input.weight ?? "calls";
  const pairs = new Map<
    string,
    { a: string; b: string; weight: number; calls: number; ms: number; timed: number }
  >();
  for (const e of input.traffic) {
    if (e.from === e.to) continue;
    const [a, b] = e.from < e.to ? [e.from, e.to] : [e.to, e.from];
    const key = `${a}\u0000${b}`;
    const pair = pairs.get(key) ?? { a, b, weight: 0, calls: 0, ms: 0, timed: 0 };
    pair.weight += metric === "bytes" ? (e.bytes ?? 0) : e.calls;
    if (e.latencyMs !== undefined) {
      pair.ms += e.latencyMs * e.calls;
      pair.timed += e.calls;
    }
    pairs.set(key, pair);
  }
  return [...pairs.values()]
    .map(({ a, b, weight, ms, timed }) =>
      timed > 0 ? { a, b, weight, latencyMs: ms / timed } : { a, b, weight },
    )
    .sort((x, y) => y.weight - x.weight || (x.a + x.b < y.a + y.b ? -1 : 1));
}

/** Cross-process weight of a grouping (group → services); services in no group count as alone. */
export function crossTraffic(
  input: PlacementInput,
  groups: Readonly<Record<string, readonly string[]>>,
): number {
  const groupOf = new Map<string, string>();
  for (const [g, services] of Object.entries(groups)) for (const s of services) groupOf.set(s, g);
  let cost = 0;
  for (const pair of pairTraffic(input)) {
    const ga = groupOf.get(pair.a) ?? `\u0000${pair.a}`;
    const gb = groupOf.get(pair.b) ?? `\u0000${pair.b}`;
    if (ga !== gb) cost += pair.weight;
  }
  return cost;
}

/** Names groups: fixed names first, then today's name with the most overlap, then a service. */
function nameGroups(
  p: Problem,
  assignment: Int32Array,
  current: Readonly<Record<string, readonly string[]>> | undefined,
  pairs: readonly PairTraffic[],
): Record<string, string[]> {
  const members = new Map<number, string[]>();
  assignment.forEach((g, atom) => {
    members.set(g, [...(members.get(g) ?? []), ...(p.atoms[atom] ?? [])]);
  });
  const lists = [...members.entries()]
    .map(([g, services]) => ({
      g,
      services: services.sort(),
      label: p.atoms.map((_, i) => i).find((i) => assignment[i] === g && p.label[i] !== undefined),
    }))
    .sort(
      (x, y) =>
        y.services.length - x.services.length ||
        (x.services[0] ?? "").localeCompare(y.services[0] ?? ""),
    );
  const used = new Set<string>();
  const names = new Map<number, string>();
  for (const l of lists) {
    if (l.label !== undefined) {
      const name = p.label[l.label] as string;
      names.set(l.g, name);
      used.add(name);
    }
  }
  const busy = new Map<string, number>();
  for (const pair of pairs) {
    busy.set(pair.a, (busy.get(pair.a) ?? 0) + pair.weight);
    busy.set(pair.b, (busy.get(pair.b) ?? 0) + pair.weight);
  }
  for (const l of lists) {
    if (names.has(l.g)) continue;
    const overlap = Object.entries(current ?? {})
      .filter(([name]) => !used.has(name))
      .map(([name, services]) => ({
        name,
        n: services.filter((s) => l.services.includes(s)).length,
      }))
      .filter((o) => o.n > 0)
      .sort((x, y) => y.n - x.n || x.name.localeCompare(y.name))[0];
    const busiest = [...l.services]
      .filter((s) => !used.has(s))
      .sort((x, y) => (busy.get(y) ?? 0) - (busy.get(x) ?? 0) || x.localeCompare(y))[0];
    let name = overlap?.name ?? busiest;
    for (let i = 1; name === undefined || used.has(name); i++) name = `group-${i}`;
    names.set(l.g, name);
    used.add(name);
  }
  const groups: Record<string, string[]> = {};
  for (const l of lists) groups[names.get(l.g) as string] = l.services;
  return groups;
}

/**
 * Suggests which services share a process. Throws INVALID_ARGUMENT for bad or contradictory
 * input (listing every problem), FAILED_PRECONDITION when no grouping keeps every rule.
 */
export function suggestPlacement(input: PlacementInput): PlacementAdvice {
  const problem = buildProblem(input);
  const method =
    input.method === "exact" || input.method === "heuristic"
      ? input.method
      : problem.atoms.length <= EXACT_LIMIT
        ? "exact"
        : "heuristic";
  const assignment = solve(problem, method);
  if (assignment === undefined) {
    throw failedPrecondition(
      "PLACEMENT_INFEASIBLE",
      `no grouping into ${problem.groups} group(s) keeps every rule (apart, fixed groups, maxServices, maxLoad): loosen a rule or raise k`,
    );
  }
  const pairs = pairTraffic(input);
  const groups = nameGroups(problem, assignment, input.current, pairs);
  const groupOf = new Map<string, string>();
  for (const [g, services] of Object.entries(groups)) for (const s of services) groupOf.set(s, g);
  const kept = pairs.filter((pair) => groupOf.get(pair.a) === groupOf.get(pair.b));
  const cut = pairs.filter((pair) => groupOf.get(pair.a) !== groupOf.get(pair.b));
  const cost = cut.reduce((sum, pair) => sum + pair.weight, 0);
  const total = pairs.reduce((sum, pair) => sum + pair.weight, 0);

  const placedToday = new Set(Object.values(input.current ?? {}).flat());
  const missingFromCurrent =
    input.current === undefined ? [] : problem.services.filter((s) => !placedToday.has(s));
  const before =
    input.current !== undefined && missingFromCurrent.length === 0
      ? crossTraffic(input, input.current)
      : undefined;
  const currentOf = new Map<string, string>();
  for (const [g, services] of Object.entries(input.current ?? {}))
    for (const s of services) currentOf.set(s, g);
  const moves = problem.services.flatMap((service) => {
    const from = currentOf.get(service);
    const to = groupOf.get(service) as string;
    return from !== undefined && from !== to ? [{ service, from, to }] : [];
  });

  const c = input.constraints;
  const hasRules =
    c !== undefined &&
    ((c.together?.length ?? 0) > 0 ||
      (c.apart?.length ?? 0) > 0 ||
      Object.keys(c.fixed ?? {}).length > 0 ||
      c.maxServices !== undefined ||
      c.maxLoad !== undefined);
  let unconstrained: number | undefined;
  if (hasRules) {
    const free = buildProblem({ ...input, constraints: {} });
    const freeMethod =
      free.atoms.length <= EXACT_LIMIT && method === "exact" ? "exact" : "heuristic";
    const freeAssignment = solve(free, freeMethod);
    if (freeAssignment !== undefined) {
      const freeGroups = nameGroups(free, freeAssignment, undefined, pairs);
      // Same k: the comparison is only meaningful with the same number of groups.
      if (Object.keys(freeGroups).length === Object.keys(groups).length || input.allowFewer)
        unconstrained = crossTraffic(input, freeGroups);
    }
  }
  const unit = input.weight === "bytes" ? "bytes/s" : "calls/s";
  const explanation = explain({
    unit,
    total,
    cost,
    before,
    unconstrained,
    groupCount: Object.keys(groups).length,
    serviceCount: problem.services.length,
    method,
    kept,
    cut,
    moves,
    missingFromCurrent,
    currentGroups: Object.keys(input.current ?? {}),
    idle: problem.services.filter(
      (s) => !pairs.some((pair) => pair.weight > 0 && (pair.a === s || pair.b === s)),
    ),
    oneProcessNow: input.oneProcessNow === true,
    sizes: Object.values(groups).map((list) => list.length),
    capacityGiven: c?.maxServices !== undefined || c?.maxLoad !== undefined,
  });
  return {
    groups,
    cost,
    before,
    total,
    unit,
    unconstrained,
    method,
    kept,
    cut,
    moves,
    explanation,
    processes: Object.keys(groups).map((group) => ({ group, env: { WEFT_GROUP: group } })),
  };
}
