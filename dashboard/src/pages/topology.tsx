/**
 * Topology: services as nodes, calls per second on the edges; a call inside one process is a solid
 * line, one that crosses processes (over NATS) a dashed line. Calls from outside any service
 * (scripts, workflow steps, tests) come from the "outside" node.
 */
import { Badge, Card, Empty, Loaded, Page } from "../components";
import { count, duration, rate } from "../format";
import { layered, NODE_H, NODE_W, type Placed } from "../layout";
import { useResource } from "../resource";
import type { EdgeStats, ServiceStats, ServicesAnswer } from "../types";

const OUTSIDE = "(outside)";
const PALETTE = ["#e7ecff", "#e3f5ea", "#fff1dc", "#f3e8ff", "#e0f4f8", "#fde8ec"];
const STROKES = ["#5a72e0", "#2f9e5b", "#d08a1e", "#9461d9", "#2a93a8", "#d6566f"];

function isCrossProcess(edge: EdgeStats, local: Set<string>): boolean {
  return edge.remote > 0 || !local.has(edge.to) || (edge.from !== null && !local.has(edge.from));
}

/** A point on a cubic Bézier curve. */
function bezier(t: number, p0: number, p1: number, p2: number, p3: number): number {
  const u = 1 - t;
  return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3;
}

/**
 * The path of an edge and where its label goes. Neighbouring columns: one curve, labelled near
 * the callee. An edge that skips columns goes around the nodes between (above or below them).
 */
function edgeRoute(
  a: Placed,
  b: Placed,
  placed: ReadonlyMap<string, Placed>,
): { d: string; lx: number; ly: number } {
  const x1 = a.x + NODE_W / 2;
  const x2 = b.x - NODE_W / 2 - 6;
  if (b.column === a.column + 1) {
    const mid = (x1 + x2) / 2;
    return {
      d: `M${x1},${a.y} C${mid},${a.y} ${mid},${b.y} ${x2},${b.y}`,
      lx: bezier(0.7, x1, mid, mid, x2),
      ly: bezier(0.7, a.y, a.y, b.y, b.y),
    };
  }
  if (b.column > a.column + 1) {
    const between = [...placed.values()].filter((p) => p.column > a.column && p.column < b.column);
    const top = Math.min(...between.map((p) => p.y)) - NODE_H / 2 - 16;
    const bottom = Math.max(...between.map((p) => p.y)) + NODE_H / 2 + 16;
    const middle = (a.y + b.y) / 2;
    const y = Math.abs(middle - top) <= Math.abs(bottom - middle) ? top : bottom;
    const left = Math.min(...between.map((p) => p.x)) - NODE_W / 2;
    const right = Math.max(...between.map((p) => p.x)) + NODE_W / 2;
    return {
      d: `M${x1},${a.y} C${(x1 + left) / 2},${a.y} ${(x1 + left) / 2},${y} ${left},${y} L${right},${y} C${(right + x2) / 2},${y} ${(right + x2) / 2},${b.y} ${x2},${b.y}`,
      lx: (left + right) / 2,
      ly: y,
    };
  }
  // Same column or backwards (a cycle): loop above both.
  const top = Math.min(a.y, b.y) - NODE_H;
  return {
    d: `M${a.x},${a.y - NODE_H / 2} C${a.x},${top} ${b.x},${top} ${b.x},${b.y - NODE_H / 2 - 6}`,
    lx: (a.x + b.x) / 2,
    ly: top + NODE_H / 4,
  };
}

function Graph(props: { services: ServiceStats[]; edges: EdgeStats[] }) {
  const { services, edges } = props;
  const local = new Set(services.filter((s) => s.local).map((s) => s.name));
  const groups = [...new Set(services.map((s) => s.group ?? ""))];
  const tone = (name: string) => {
    const g = services.find((s) => s.name === name)?.group ?? "";
    return Math.max(0, groups.indexOf(g)) % PALETTE.length;
  };
  const nodes = services.map((s) => s.name);
  if (edges.some((e) => e.from === null)) nodes.push(OUTSIDE);
  const links = edges.map((e) => ({ from: e.from ?? OUTSIDE, to: e.to, edge: e }));
  const { placed, width, height } = layered(nodes, links);
  const localPlaced = [...placed.values()].filter((p) => local.has(p.id));
  const pad = 18;
  const box =
    localPlaced.length === 0
      ? undefined
      : {
          x: Math.min(...localPlaced.map((p) => p.x)) - NODE_W / 2 - pad,
          y: Math.min(...localPlaced.map((p) => p.y)) - NODE_H / 2 - pad - 14,
          x2: Math.max(...localPlaced.map((p) => p.x)) + NODE_W / 2 + pad,
          y2: Math.max(...localPlaced.map((p) => p.y)) + NODE_H / 2 + pad,
        };
  const proc = services.find((s) => s.local)?.processes[0];
  return (
    <svg
      class="topology"
      viewBox={`0 0 ${width} ${height + 10}`}
      width={width}
      height={height + 10}
      role="img"
      aria-label="Service call graph"
    >
      <defs>
        <marker
          id="arrow"
          viewBox="0 0 10 10"
          refX="8"
          refY="5"
          markerWidth="7"
          markerHeight="7"
          orient="auto"
        >
          <path d="M0,0 L10,5 L0,10 z" fill="#6b7588" />
        </marker>
      </defs>
      {box !== undefined && (
        <g class="process-box">
          <rect x={box.x} y={box.y} width={box.x2 - box.x} height={box.y2 - box.y} rx="12" />
          <text x={box.x + 4} y={box.y - 8}>
            {proc === undefined ? "this process" : `process ${proc.app} · pid ${proc.pid}`}
          </text>
        </g>
      )}
      {links.map(({ from, to, edge }) => {
        const a = placed.get(from);
        const b = placed.get(to);
        if (a === undefined || b === undefined) return null;
        const cross = isCrossProcess(edge, local);
        const { d, lx: mx, ly: my } = edgeRoute(a, b, placed);
        const label = `${rate(edge.perSecond)}/s`;
        const widthPx = 1.4 + Math.min(3.6, Math.log10(1 + edge.calls));
        return (
          <g
            key={`${from}->${to}`}
            class={`edge ${cross ? "cross" : "local"} ${edge.errors > 0 ? "has-errors" : ""}`}
            data-edge={`${from}->${to}`}
            data-kind={cross ? "cross-process" : "in-process"}
          >
            <title>
              {`${from} → ${to}: ${count(edge.calls)} calls, ${rate(edge.perSecond)}/s, ${count(edge.errors)} errors, p50 ${duration(edge.p50Ms)}${cross ? ", crosses processes" : ", in one process"}`}
            </title>
            <path d={d} stroke-width={widthPx} marker-end="url(#arrow)" />
            <rect x={mx - 26} y={my - 10} width="52" height="20" rx="10" class="edge-label-bg" />
            <text x={mx} y={my + 4} class="edge-label">
              {label}
            </text>
          </g>
        );
      })}
      {[...placed.values()].map((p) => {
        const outside = p.id === OUTSIDE;
        const t = tone(p.id);
        const service = services.find((s) => s.name === p.id);
        return (
          <g key={p.id} class={`node ${outside ? "outside" : ""}`} data-node={p.id}>
            <rect
              x={p.x - NODE_W / 2}
              y={p.y - NODE_H / 2}
              width={NODE_W}
              height={NODE_H}
              rx="9"
              fill={outside ? "#ffffff" : PALETTE[t]}
              stroke={outside ? "#9aa3b2" : STROKES[t]}
            />
            <text x={p.x} y={p.y - 2} class="node-name">
              {outside ? "outside" : p.id}
            </text>
            <text x={p.x} y={p.y + 14} class="node-sub">
              {outside
                ? "scripts, steps, tests"
                : `${service?.group ?? ""}${service !== undefined && !service.local ? " · remote" : ""}`}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

function Legend() {
  return (
    <div class="legend">
      <span>
        <svg width="36" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="36" y2="5" class="legend-local" />
        </svg>
        call inside one process
      </span>
      <span>
        <svg width="36" height="10" aria-hidden="true">
          <line x1="0" y1="5" x2="36" y2="5" class="legend-cross" />
        </svg>
        call across processes (NATS)
      </span>
      <span>
        <Badge tone="muted">n/s</Badge> calls per second over the last minute
      </span>
      <span>
        <span class="legend-error">red</span> some calls failed
      </span>
    </div>
  );
}

/** The Topology page. */
export function TopologyPage() {
  const { data, error } = useResource<ServicesAnswer>("/api/services", { pollMs: 5000 });
  return (
    <Page
      title="Topology"
      subtitle="Who calls whom, and how often. Services of one process sit inside its box."
    >
      <Loaded data={data} error={error}>
        {(d) => {
          const local = new Set(d.services.filter((s) => s.local).map((s) => s.name));
          return (
            <>
              <Card title="Call graph" extra={<Legend />}>
                {d.edges.length === 0 && (
                  <Empty title="No calls between services yet">
                    Call a service that calls others (place an order, add to a cart) and the edges
                    appear.
                  </Empty>
                )}
                <div class="graph-scroll">
                  <Graph services={d.services} edges={d.edges} />
                </div>
              </Card>
              {d.edges.length > 0 && (
                <Card title="Edges">
                  <table class="table" data-testid="edges">
                    <thead>
                      <tr>
                        <th>Caller</th>
                        <th>Callee</th>
                        <th>Path</th>
                        <th class="num">Calls</th>
                        <th class="num">Calls/s</th>
                        <th class="num">Errors</th>
                        <th class="num">p50</th>
                        <th class="num">p99</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.edges.map((e) => (
                        <tr key={`${e.from}->${e.to}`} data-edge={`${e.from ?? OUTSIDE}->${e.to}`}>
                          <td>{e.from ?? <span class="muted">outside</span>}</td>
                          <td>{e.to}</td>
                          <td>
                            {isCrossProcess(e, local) ? (
                              <Badge tone="warn">across processes</Badge>
                            ) : (
                              <Badge tone="ok">in process</Badge>
                            )}
                          </td>
                          <td class="num">{count(e.calls)}</td>
                          <td class="num">{rate(e.perSecond)}</td>
                          <td class={`num ${e.errors > 0 ? "bad-text" : ""}`}>{count(e.errors)}</td>
                          <td class="num">{duration(e.p50Ms)}</td>
                          <td class="num">{duration(e.p99Ms)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </Card>
              )}
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
