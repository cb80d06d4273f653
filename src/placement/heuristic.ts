/**
 * The heuristic for larger problems, in two phases:
 * 1. Greedy agglomerative merging: every atom starts alone; the two groups with the most traffic
 *    between them merge (when the rules allow it), until the wanted number of groups is left.
 * 2. Refinement in the manner of Kernighan–Lin: move one atom to another group, or swap two atoms
 *    of different groups, whenever that lowers the cross traffic and keeps every rule; repeat
 *    until no move or swap helps.
 * Good groupings, not proven best; deterministic for a given input.
 */
import type { Problem } from "./problem.js";

const EPS = 1e-9;

function add(values: Float64Array, i: number, v: number): void {
  values[i] = (values[i] ?? 0) + v;
}

interface Cluster {
  atoms: number[];
  size: number;
  load: number;
}

function between(p: Problem, x: Cluster, y: Cluster): number {
  const n = p.atoms.length;
  let sum = 0;
  for (const i of x.atoms) for (const j of y.atoms) sum += p.w[i * n + j] ?? 0;
  return sum;
}

function canMerge(p: Problem, x: Cluster, y: Cluster): boolean {
  const n = p.atoms.length;
  if (x.size + y.size > p.maxServices || x.load + y.load > p.maxLoad + EPS) return false;
  for (const i of x.atoms) for (const j of y.atoms) if (p.apart[i * n + j] === 1) return false;
  return true;
}

/** Phase 1: greedy merging. Returns undefined when the rules leave too many groups. */
function merge(p: Problem): Int32Array | undefined {
  const clusters: Cluster[] = p.atoms.map((_, i) => ({
    atoms: [i],
    size: p.size[i] ?? 0,
    load: p.load[i] ?? 0,
  }));
  for (;;) {
    let pick: [number, number] | undefined;
    let pickWeight = -1;
    let pickSize = Number.POSITIVE_INFINITY;
    for (let x = 0; x < clusters.length; x++) {
      for (let y = x + 1; y < clusters.length; y++) {
        const cx = clusters[x] as Cluster;
        const cy = clusters[y] as Cluster;
        if (!canMerge(p, cx, cy)) continue;
        const weight = between(p, cx, cy);
        const size = cx.size + cy.size;
        if (
          weight > pickWeight + EPS ||
          (Math.abs(weight - pickWeight) <= EPS && size < pickSize)
        ) {
          pick = [x, y];
          pickWeight = weight;
          pickSize = size;
        }
      }
    }
    const enough = clusters.length <= p.groups;
    if (pick === undefined) {
      if (!enough) return undefined;
      break;
    }
    // With exactly `groups` wanted, stop there; with fewer allowed, merge while it saves traffic.
    if (enough && (!p.allowFewer || pickWeight <= EPS)) break;
    const [x, y] = pick;
    const cx = clusters[x] as Cluster;
    const cy = clusters[y] as Cluster;
    clusters[x] = {
      atoms: [...cx.atoms, ...cy.atoms],
      size: cx.size + cy.size,
      load: cx.load + cy.load,
    };
    clusters.splice(y, 1);
  }
  const group = new Int32Array(p.atoms.length);
  clusters.forEach((c, g) => {
    for (const i of c.atoms) group[i] = g;
  });
  return group;
}

/** Phase 2: improving moves and swaps until none helps. */
function refine(p: Problem, group: Int32Array): Int32Array {
  const n = p.atoms.length;
  const m = Math.max(...group) + 1;
  // conn[a * m + g]: traffic between atom a and the atoms of group g.
  const conn = new Float64Array(n * m);
  const sizes = new Float64Array(m);
  const loads = new Float64Array(m);
  const count = new Int32Array(m);
  for (let a = 0; a < n; a++) {
    const g = group[a] as number;
    sizes[g] = (sizes[g] ?? 0) + (p.size[a] ?? 0);
    loads[g] = (loads[g] ?? 0) + (p.load[a] ?? 0);
    count[g] = (count[g] ?? 0) + 1;
    for (let b = 0; b < n; b++)
      if (b !== a) add(conn, a * m + (group[b] as number), p.w[a * n + b] ?? 0);
  }
  const apartFrom = (a: number, g: number, except = -1) => {
    for (let b = 0; b < n; b++)
      if (b !== except && group[b] === g && p.apart[a * n + b] === 1) return true;
    return false;
  };
  const move = (a: number, to: number) => {
    const from = group[a] as number;
    for (let b = 0; b < n; b++) {
      const wab = p.w[a * n + b] ?? 0;
      if (b === a || wab === 0) continue;
      add(conn, b * m + from, -wab);
      add(conn, b * m + to, wab);
    }
    sizes[from] = (sizes[from] ?? 0) - (p.size[a] ?? 0);
    loads[from] = (loads[from] ?? 0) - (p.load[a] ?? 0);
    count[from] = (count[from] ?? 0) - 1;
    sizes[to] = (sizes[to] ?? 0) + (p.size[a] ?? 0);
    loads[to] = (loads[to] ?? 0) + (p.load[a] ?? 0);
    count[to] = (count[to] ?? 0) + 1;
    group[a] = to;
  };
  const fits = (g: number, addSize: number, addLoad: number) =>
    (sizes[g] ?? 0) + addSize <= p.maxServices && (loads[g] ?? 0) + addLoad <= p.maxLoad + EPS;
  for (let round = 0; round < 100 * n + 100; round++) {
    let best = EPS;
    let action: (() => void) | undefined;
    for (let a = 0; a < n; a++) {
      const ga = group[a] as number;
      // A move may empty a group only when fewer groups are allowed.
      if (count[ga] === 1 && !p.allowFewer) continue;
      for (let g = 0; g < m; g++) {
        if (g === ga || !fits(g, p.size[a] ?? 0, p.load[a] ?? 0) || apartFrom(a, g)) continue;
        const gain = (conn[a * m + g] ?? 0) - (conn[a * m + ga] ?? 0);
        if (gain > best) {
          best = gain;
          action = () => move(a, g);
        }
      }
    }
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const ga = group[a] as number;
        const gb = group[b] as number;
        if (ga === gb) continue;
        const wab = p.w[a * n + b] ?? 0;
        const gain =
          (conn[a * m + gb] ?? 0) -
          (conn[a * m + ga] ?? 0) +
          (conn[b * m + ga] ?? 0) -
          (conn[b * m + gb] ?? 0) -
          2 * wab;
        if (gain <= best) continue;
        const ds = (p.size[a] ?? 0) - (p.size[b] ?? 0);
        const dl = (p.load[a] ?? 0) - (p.load[b] ?? 0);
        if (!fits(gb, ds, dl) || !fits(ga, -ds, -dl)) continue;
        if (apartFrom(a, gb, b) || apartFrom(b, ga, a)) continue;
        best = gain;
        action = () => {
          move(a, gb);
          move(b, ga);
        };
      }
    }
    if (action === undefined) break;
    action();
  }
  return group;
}

/** A good assignment (atom → group index), or undefined when merging could not keep the rules. */
export function solveHeuristic(p: Problem): Int32Array | undefined {
  const merged = merge(p);
  return merged === undefined ? undefined : refine(p, merged);
}
