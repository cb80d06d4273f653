/**
 * A deterministic layered layout for the call graph: callers left of callees (each node one column
 * right of its furthest caller), nodes in a column ordered by their callers' positions, then name.
 */

/** A node placed on the canvas (centre coordinates). */
export interface Placed {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly column: number;
}

/** Node width. */
export const NODE_W = 150;
/** Node height. */
export const NODE_H = 46;
const COLUMN_GAP = 110;
const ROW_GAP = 26;
const MARGIN = 60;

/** Places `nodes` given directed `edges`; returns positions and the canvas size. */
export function layered(
  nodes: readonly string[],
  edges: readonly { from: string; to: string }[],
): { placed: Map<string, Placed>; width: number; height: number } {
  const incoming = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const e of edges) {
    if (e.from !== e.to) incoming.get(e.to)?.push(e.from);
  }
  const column = new Map<string, number>();
  const visiting = new Set<string>();
  const columnOf = (node: string): number => {
    const known = column.get(node);
    if (known !== undefined) return known;
    if (visiting.has(node)) return 0; // a cycle: break it here
    visiting.add(node);
    const callers = incoming.get(node) ?? [];
    const c = callers.length === 0 ? 0 : Math.max(...callers.map((p) => columnOf(p) + 1));
    visiting.delete(node);
    column.set(node, c);
    return c;
  };
  const connected = new Set(edges.flatMap((e) => [e.from, e.to]));
  const lastColumn = Math.max(0, ...nodes.filter((n) => connected.has(n)).map(columnOf));
  // Services no one called yet stand in a column of their own, at the end.
  for (const n of nodes) if (!connected.has(n)) column.set(n, lastColumn + 1);
  const columns: string[][] = [];
  for (const n of [...nodes].sort()) {
    const c = column.get(n) ?? 0;
    while (columns.length <= c) columns.push([]);
    (columns[c] as string[]).push(n);
  }
  const order = new Map<string, number>();
  columns.forEach((list, c) => {
    if (c > 0) {
      const weight = (n: string) => {
        const callers = (incoming.get(n) ?? []).filter((p) => order.has(p));
        return callers.length === 0
          ? Number.MAX_SAFE_INTEGER
          : callers.reduce((sum, p) => sum + (order.get(p) as number), 0) / callers.length;
      };
      list.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
    }
    for (const [i, n] of list.entries()) order.set(n, i);
  });
  const tallest = Math.max(1, ...columns.map((l) => l.length));
  const height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const width = MARGIN * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * COLUMN_GAP;
  const placed = new Map<string, Placed>();
  columns.forEach((list, c) => {
    const span = list.length * NODE_H + (list.length - 1) * ROW_GAP;
    const top = (height - span) / 2;
    list.forEach((n, i) => {
      placed.set(n, {
        id: n,
        column: c,
        x: MARGIN + c * (NODE_W + COLUMN_GAP) + NODE_W / 2,
        y: top + i * (NODE_H + ROW_GAP) + NODE_H / 2,
      });
    });
  });
  return { placed, width, height };
}
