/**
 * Placement: which services should share a process, from the calls this process recorded since
 * the app started. Choose how many processes and which services must be together or apart; the
 * page shows the suggested processes, the calls per second that would cross processes before and
 * after, why, and the config to apply. The choices are part of the address.
 */
import { Badge, Card, Empty, Failure, Page, Stat } from "../components";
import { duration } from "../format";
import { useResource } from "../resource";
import { useRoute } from "../router";
import type { AppInfo, CrossFigure, PlacementAnswer, PlacementSuggestion } from "../types";
import { bytesPerSecond, Config, perSecond, Rules } from "./placement-parts";

const STROKES = ["#5a72e0", "#2f9e5b", "#d08a1e", "#9461d9", "#2a93a8", "#d6566f"];

function Figure(props: {
  figure: CrossFigure | null;
  label: string;
  hint?: string | undefined;
  tone?: string;
  testId: string;
}) {
  const f = props.figure;
  const bytes =
    f === null || f.bytesPerSecond === null || f.callsPerSecond === 0
      ? undefined
      : bytesPerSecond(f.bytesPerSecond);
  return (
    <div data-testid={props.testId} class="placement-figure">
      <Stat
        label={props.label}
        value={f === null ? "—" : `${perSecond(f.callsPerSecond)} calls/s`}
        hint={[props.hint, bytes].filter(Boolean).join(" · ")}
        tone={props.tone}
      />
    </div>
  );
}

function Figures(props: { answer: PlacementAnswer; s: PlacementSuggestion }) {
  const { now, before, after, total } = props.s.crossProcess;
  const current = Object.keys(props.answer.current.groups);
  const change =
    before === null || before.callsPerSecond === 0
      ? undefined
      : after.callsPerSecond <= before.callsPerSecond
        ? `${Math.round((1 - after.callsPerSecond / before.callsPerSecond) * 100)}% less than before`
        : `${Math.round((after.callsPerSecond / before.callsPerSecond - 1) * 100)}% more than before`;
  return (
    <div class="stats placement-stats">
      <Figure
        testId="cross-now"
        figure={now}
        label="Cross processes now"
        hint={
          now.processes === 1
            ? `all ${props.answer.services.length} services run in this process`
            : "measured by this process"
        }
      />
      <Figure
        testId="cross-before"
        figure={before}
        label={`Before: today's ${current.length} groups`}
        hint={`${current.join(", ")}; one process each`}
      />
      <Figure
        testId="cross-after"
        figure={after}
        label={`After: the suggested ${after.processes} processes`}
        hint={change}
        tone="good"
      />
      <Figure
        testId="cross-total"
        figure={total}
        label="All calls between services"
        hint="if every service ran alone"
      />
    </div>
  );
}

function Processes(props: { answer: PlacementAnswer; s: PlacementSuggestion }) {
  const { s } = props;
  const moved = new Map(s.moves.map((m) => [m.service, m.from]));
  const pinned = new Set(props.answer.rules.together.flat());
  const groupOf = new Map(
    Object.entries(s.groups).flatMap(([g, list]) => list.map((svc) => [svc, g] as const)),
  );
  return (
    <Card
      title="Suggested processes"
      extra={
        <span class="card-meta">
          {s.method === "exact" ? "exact search: no grouping sends less" : "greedy search"}
        </span>
      }
    >
      <div class="proc-grid" data-testid="placement-groups">
        {Object.entries(s.groups).map(([group, services], i) => {
          const inside = s.kept
            .filter((p) => groupOf.get(p.a) === group)
            .reduce((sum, p) => sum + p.weight, 0);
          return (
            <div
              key={group}
              class="proc-card"
              data-group={group}
              style={{ borderTopColor: STROKES[i % STROKES.length] }}
            >
              <div class="proc-head">
                <span class="proc-title">Process {i + 1}</span>
                <code class="proc-env">WEFT_GROUP={group}</code>
              </div>
              <ul class="proc-services">
                {services.map((name) => (
                  <li key={name} data-service={name}>
                    <span class="proc-service">{name}</span>
                    {moved.has(name) && (
                      <Badge tone="group" title="the service's group today">
                        was in {moved.get(name)}
                      </Badge>
                    )}
                    {pinned.has(name) && (
                      <Badge tone="muted" title="kept together by your rule">
                        pinned
                      </Badge>
                    )}
                  </li>
                ))}
              </ul>
              <div class="proc-foot">
                {inside > 0
                  ? `${perSecond(inside)} calls/s stay inside`
                  : "no calls between its services"}
              </div>
            </div>
          );
        })}
      </div>
      {s.cut.some((p) => p.weight > 0) ? (
        <div class="cut-list" data-testid="placement-cut">
          <span class="cut-title">Would cross processes:</span>
          {s.cut
            .filter((p) => p.weight > 0)
            .slice(0, 8)
            .map((p) => (
              <Badge key={`${p.a}-${p.b}`} tone="warn">
                {p.a} ↔ {p.b} · {perSecond(p.weight)}/s
                {p.latencyMs === undefined ? "" : ` · ${duration(p.latencyMs)}`}
              </Badge>
            ))}
        </div>
      ) : (
        <p class="cut-list ok-text">No recorded call would cross processes.</p>
      )}
    </Card>
  );
}

/** The Placement page. */
export function PlacementPage() {
  const { query } = useRoute();
  const path = `/api/placement${query.size > 0 ? `?${query}` : ""}`;
  const { data, error, reload } = useResource<PlacementAnswer>(path, {
    live: false,
    pollMs: 10_000,
  });
  // The app's services, for the form when the answer is a refusal (a service it does not have).
  const app = useResource<AppInfo>("/api/app", { live: false });
  const serviceCount =
    data?.services.length ??
    (app.data === undefined ? undefined : Object.values(app.data.groups).flat().length);
  const k = data?.k ?? Number(query.get("k") ?? 2);
  const over = data === undefined ? "" : `, ${duration(data.windowSeconds * 1000)} ago`;
  return (
    <Page
      title="Placement"
      subtitle={`Which services should share a process, from the calls between services recorded since the app started${over}.`}
      actions={
        <button type="button" class="button" onClick={() => void reload()}>
          Refresh
        </button>
      }
    >
      {serviceCount !== undefined && <Rules k={k} services={serviceCount} />}
      {error !== undefined && <Failure error={error} />}
      {data === undefined && error === undefined && <div class="loading">Loading…</div>}
      {data !== undefined &&
        error === undefined &&
        (data.suggestion === null ? (
          <Empty title="No calls between services yet">
            Make some calls first — add to a cart, place an order — and the advisor suggests which
            services share a process from what it measured. This page looks again every 10 seconds.
          </Empty>
        ) : (
          <>
            <Figures answer={data} s={data.suggestion} />
            <Processes answer={data} s={data.suggestion} />
            <Card title="Why">
              <ul class="explain" data-testid="placement-why">
                {data.suggestion.explanation.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            </Card>
            <Config s={data.suggestion} />
          </>
        ))}
    </Page>
  );
}
