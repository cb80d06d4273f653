/**
 * The advisor's input reduced to a graph problem: services that must share a group (`together`,
 * and those fixed to the same named group) become one *atom*; weights between atoms add up both
 * directions of traffic; `apart` rules and distinct fixed groups become pairs of atoms that must
 * be in different groups. Invalid or impossible input is reported with every problem found.
 */
import { type FieldIssue, invalidArgument } from "../core/index.js";
import type { PlacementInput } from "./types.js";

/** The placement problem over atoms. */
export interface Problem {
  /** Every service, sorted. */
  readonly services: readonly string[];
  /** Services of each atom (sorted); atoms are sorted by their first service. */
  readonly atoms: readonly (readonly string[])[];
  /** Atom of each service. */
  readonly atomOf: ReadonlyMap<string, number>;
  /** Symmetric atom-to-atom weight, `w[i * n + j]`. */
  readonly w: Float64Array;
  /** True where atoms i and j must be in different groups, `apart[i * n + j]`. */
  readonly apart: Uint8Array;
  /** The fixed group name of each atom, if any. */
  readonly label: readonly (string | undefined)[];
  /** Services per atom. */
  readonly size: readonly number[];
  /** Load per atom. */
  readonly load: readonly number[];
  /** Number of groups to use: exactly this many, or at most when `allowFewer`. */
  readonly groups: number;
  readonly allowFewer: boolean;
  readonly maxServices: number;
  readonly maxLoad: number;
}

const isRate = (x: unknown) => typeof x === "number" && Number.isFinite(x) && x >= 0;

function find(parent: Map<string, string>, s: string): string {
  let root = s;
  while (parent.get(root) !== root) root = parent.get(root) as string;
  parent.set(s, root);
  return root;
}

/** Builds the atom problem; throws INVALID_ARGUMENT listing every problem. */
export function buildProblem(input: PlacementInput): Problem {
  const issues: FieldIssue[] = [];
  const metric = input.weight ?? "calls";
  const c = input.constraints ?? {};
  if (!Number.isInteger(input.k) || input.k < 1)
    issues.push({ path: ["k"], message: "must be a whole number of processes, at least 1" });
  const names = new Set(input.services ?? []);
  input.traffic.forEach((e, i) => {
    if (typeof e.from !== "string" || typeof e.to !== "string" || e.from === "" || e.to === "")
      issues.push({ path: ["traffic", i], message: "needs service names in from and to" });
    if (!isRate(e.calls)) issues.push({ path: ["traffic", i, "calls"], message: "must be >= 0" });
    if (e.bytes !== undefined && !isRate(e.bytes))
      issues.push({ path: ["traffic", i, "bytes"], message: "must be >= 0" });
    if (metric === "bytes" && e.bytes === undefined)
      issues.push({
        path: ["traffic", i, "bytes"],
        message: `is needed to weigh by bytes (${e.from} → ${e.to}); an app measures bytes only for calls that crossed processes, so weigh by calls instead`,
      });
    names.add(e.from);
    names.add(e.to);
  });
  const constrained = [
    ...(c.together ?? []).flat(),
    ...(c.apart ?? []).flat(),
    ...Object.keys(c.fixed ?? {}),
  ];
  for (const s of constrained) {
    if (!names.has(s))
      issues.push({ path: ["constraints"], message: `"${s}" is not a service of the input` });
  }
  if (issues.length > 0) throw invalid(issues);

  const services = [...names].sort();
  const parent = new Map(services.map((s) => [s, s]));
  const union = (a: string, b: string) => parent.set(find(parent, a), find(parent, b));
  for (const list of c.together ?? []) for (const s of list.slice(1)) union(list[0] as string, s);
  const byLabel = new Map<string, string>();
  for (const [s, label] of Object.entries(c.fixed ?? {})) {
    const first = byLabel.get(label);
    if (first === undefined) byLabel.set(label, s);
    else union(first, s);
  }
  const members = new Map<string, string[]>();
  for (const s of services) {
    const root = find(parent, s);
    members.set(root, [...(members.get(root) ?? []), s]);
  }
  const atoms = [...members.values()].sort((x, y) => ((x[0] ?? "") < (y[0] ?? "") ? -1 : 1));
  const atomOf = new Map<string, number>();
  atoms.forEach((list, i) => {
    for (const s of list) atomOf.set(s, i);
  });
  const n = atoms.length;
  const at = (s: string) => atomOf.get(s) as number;

  const label: (string | undefined)[] = atoms.map(() => undefined);
  for (const [s, name] of Object.entries(c.fixed ?? {})) {
    const i = at(s);
    if (label[i] !== undefined && label[i] !== name)
      issues.push({
        path: ["constraints", "fixed", s],
        message: `"${s}" must be with services fixed to "${label[i]}" but is fixed to "${name}"`,
      });
    label[i] = name;
  }

  const apart = new Uint8Array(n * n);
  const setApart = (i: number, j: number) => {
    apart[i * n + j] = 1;
    apart[j * n + i] = 1;
  };
  for (const list of c.apart ?? []) {
    for (let x = 0; x < list.length; x++) {
      for (let y = x + 1; y < list.length; y++) {
        const i = at(list[x] as string);
        const j = at(list[y] as string);
        if (i === j)
          issues.push({
            path: ["constraints", "apart"],
            message: `"${list[x]}" and "${list[y]}" must be apart but also together (through together or fixed)`,
          });
        else setApart(i, j);
      }
    }
  }
  const labelled = label.flatMap((l, i) => (l === undefined ? [] : [i]));
  for (const i of labelled) for (const j of labelled) if (i < j) setApart(i, j);
  if (labelled.length > input.k)
    issues.push({
      path: ["k"],
      message: `${labelled.length} fixed groups (${[...byLabel.keys()].join(", ")}) need at least ${labelled.length} processes`,
    });

  const w = new Float64Array(n * n);
  const received = new Map<string, number>();
  for (const e of input.traffic) {
    const value = metric === "bytes" ? (e.bytes ?? 0) : e.calls;
    received.set(e.to, (received.get(e.to) ?? 0) + e.calls);
    const i = at(e.from);
    const j = at(e.to);
    if (i === j) continue;
    w[i * n + j] = (w[i * n + j] ?? 0) + value;
    w[j * n + i] = (w[j * n + i] ?? 0) + value;
  }
  const size = atoms.map((list) => list.length);
  const load = atoms.map((list) =>
    list.reduce((sum, s) => sum + (input.load?.[s] ?? received.get(s) ?? 0), 0),
  );
  const maxServices = c.maxServices ?? Number.POSITIVE_INFINITY;
  const maxLoad = c.maxLoad ?? Number.POSITIVE_INFINITY;
  atoms.forEach((list, i) => {
    if ((size[i] ?? 0) > maxServices)
      issues.push({
        path: ["constraints", "maxServices"],
        message: `${list.join(", ")} must share a group but are more than ${maxServices} services`,
      });
    if ((load[i] ?? 0) > maxLoad)
      issues.push({
        path: ["constraints", "maxLoad"],
        message: `${list.join(", ")} must share a group but their load ${load[i]} is above ${maxLoad}`,
      });
  });
  const groups = Math.min(input.k, n);
  if (size.reduce((a, b) => a + b, 0) > groups * maxServices)
    issues.push({
      path: ["constraints", "maxServices"],
      message: `${services.length} services do not fit in ${groups} groups of at most ${maxServices}`,
    });
  if (issues.length > 0) throw invalid(issues);
  return {
    services,
    atoms,
    atomOf,
    w,
    apart,
    label,
    size,
    load,
    groups,
    allowFewer: input.allowFewer === true,
    maxServices,
    maxLoad,
  };
}

function invalid(issues: FieldIssue[]) {
  return invalidArgument(
    "PLACEMENT_INPUT_INVALID",
    `cannot suggest a placement:\n${issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`).join("\n")}`,
    { issues },
  );
}

/** Cross-group weight of an assignment of atoms to groups. */
export function crossCost(p: Problem, group: ArrayLike<number>): number {
  const n = p.atoms.length;
  let cost = 0;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) if (group[i] !== group[j]) cost += p.w[i * n + j] ?? 0;
  return cost;
}

/** True when an assignment keeps every rule (apart, capacity, group count). */
export function isFeasible(p: Problem, group: ArrayLike<number>): boolean {
  const n = p.atoms.length;
  const sizes = new Map<number, number>();
  const loads = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const g = group[i] as number;
    sizes.set(g, (sizes.get(g) ?? 0) + (p.size[i] ?? 0));
    loads.set(g, (loads.get(g) ?? 0) + (p.load[i] ?? 0));
    for (let j = i + 1; j < n; j++) if (p.apart[i * n + j] === 1 && group[j] === g) return false;
  }
  for (const s of sizes.values()) if (s > p.maxServices) return false;
  for (const l of loads.values()) if (l > p.maxLoad + 1e-9) return false;
  return p.allowFewer ? sizes.size <= p.groups : sizes.size === p.groups;
}
