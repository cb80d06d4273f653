/**
 * Exact search for small problems: enumerates every way to split the atoms into groups (each
 * partition once, as a restricted growth string: an atom joins an open group or opens the next
 * one), pruning branches whose cross traffic already exceeds the best found and branches that
 * break a rule. Among equally cheap groupings it keeps the most balanced (sum of squared group
 * sizes, then loads); among those, the first in search order, so the answer is deterministic.
 */
import type { Problem } from "./problem.js";

/** Problems up to this many atoms are searched exactly under `method: "auto"`. */
export const EXACT_LIMIT = 12;

const EPS = 1e-9;

/** The best assignment (atom → group index), or undefined when no grouping keeps every rule. */
export function solveExact(p: Problem): Int32Array | undefined {
  const n = p.atoms.length;
  const rowSum = p.atoms.map((_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += p.w[i * n + j] ?? 0;
    return s;
  });
  // Fixed-group atoms first (each opens its own group), then the heaviest: cuts show up early.
  const order = p.atoms
    .map((_, i) => i)
    .sort((a, b) => {
      const la = p.label[a] === undefined ? 1 : 0;
      const lb = p.label[b] === undefined ? 1 : 0;
      return la - lb || (rowSum[b] ?? 0) - (rowSum[a] ?? 0) || a - b;
    });
  const group = new Int32Array(n).fill(-1);
  const sizes = new Float64Array(n);
  const loads = new Float64Array(n);
  const toGroup = new Float64Array(n);
  const blocked = new Uint8Array(n);
  let best: Int32Array | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  let bestSpread = Number.POSITIVE_INFINITY;
  let bestLoadSpread = Number.POSITIVE_INFINITY;

  const leaf = (cost: number, used: number) => {
    let spread = 0;
    let loadSpread = 0;
    for (let g = 0; g < used; g++) {
      spread += (sizes[g] ?? 0) ** 2;
      loadSpread += (loads[g] ?? 0) ** 2;
    }
    const better =
      cost < bestCost - EPS ||
      (cost <= bestCost + EPS &&
        (spread < bestSpread || (spread === bestSpread && loadSpread < bestLoadSpread - EPS)));
    if (better) {
      best = Int32Array.from(group);
      bestCost = cost;
      bestSpread = spread;
      bestLoadSpread = loadSpread;
    }
  };

  // spread: the sum of squared group sizes so far; it only grows as atoms are added, so a branch
  // that can at best tie on cost and is already less balanced than the best is cut.
  const visit = (pos: number, used: number, cost: number, spread: number) => {
    if (pos === n) {
      if (p.allowFewer || used === p.groups) leaf(cost, used);
      return;
    }
    const a = order[pos] as number;
    toGroup.fill(0, 0, used + 1);
    blocked.fill(0, 0, used + 1);
    let placed = 0;
    for (let q = 0; q < pos; q++) {
      const b = order[q] as number;
      const g = group[b] as number;
      const wab = p.w[a * n + b] ?? 0;
      placed += wab;
      toGroup[g] = (toGroup[g] ?? 0) + wab;
      if (p.apart[a * n + b] === 1) blocked[g] = 1;
    }
    const left = n - pos - 1;
    const options = used < p.groups ? used + 1 : used;
    // Copies: the recursion below reuses the scratch arrays.
    const adds = Array.from({ length: options }, (_, g) => placed - (toGroup[g] ?? 0));
    const blocks = Array.from({ length: options }, (_, g) => blocked[g] === 1);
    for (let g = 0; g < options; g++) {
      if (blocks[g]) continue;
      const opened = g === used ? used + 1 : used;
      if (!p.allowFewer && left < p.groups - opened) continue;
      if ((sizes[g] ?? 0) + (p.size[a] ?? 0) > p.maxServices) continue;
      if ((loads[g] ?? 0) + (p.load[a] ?? 0) > p.maxLoad + EPS) continue;
      const next = cost + (adds[g] ?? 0);
      if (next > bestCost + EPS) continue;
      const grown = spread + 2 * (sizes[g] ?? 0) * (p.size[a] ?? 0) + (p.size[a] ?? 0) ** 2;
      if (next >= bestCost - EPS && grown > bestSpread) continue;
      group[a] = g;
      sizes[g] = (sizes[g] ?? 0) + (p.size[a] ?? 0);
      loads[g] = (loads[g] ?? 0) + (p.load[a] ?? 0);
      visit(pos + 1, opened, next, grown);
      sizes[g] = (sizes[g] ?? 0) - (p.size[a] ?? 0);
      loads[g] = (loads[g] ?? 0) - (p.load[a] ?? 0);
      group[a] = -1;
    }
  };
  visit(0, 0, 0, 0);
  return best;
}
