/** Services: each service with the process serving it, its methods, volume, errors and latency. */
import { Badge, Card, Empty, Loaded, Page, Stat, Stats } from "../components";
import { count, duration, rate, ratio } from "../format";
import { useResource } from "../resource";
import type { MethodStats, ServiceStats, ServicesAnswer } from "../types";

function MethodRow(props: { method: MethodStats }) {
  const m = props.method;
  return (
    <tr class={m.calls === 0 ? "idle" : ""}>
      <td>
        <code class="method">{m.name}</code>
        {m.kind === "operation" && (
          <Badge tone="muted" title="work the service performs: an event handler or an HTTP route">
            {m.name.startsWith("on ") ? "event handler" : "route"}
          </Badge>
        )}
        {m.idempotent === true && (
          <Badge tone="muted" title="safe to retry">
            idempotent
          </Badge>
        )}
        {m.description !== null && <div class="hint">{m.description}</div>}
      </td>
      <td class="num">{count(m.calls)}</td>
      <td class="num">{rate(m.perSecond)}</td>
      <td class={`num ${m.errors > 0 ? "bad-text" : ""}`}>{count(m.errors)}</td>
      <td class={`num ${m.errors > 0 ? "bad-text" : ""}`}>{ratio(m.errors, m.calls)}</td>
      <td class="num">{duration(m.p50Ms)}</td>
      <td class="num">{duration(m.p99Ms)}</td>
    </tr>
  );
}

function ServiceCard(props: { service: ServiceStats }) {
  const s = props.service;
  const process = s.processes[0];
  return (
    <Card
      testId={`service-${s.name}`}
      title={
        <>
          <span class="service-name">{s.name}</span>
          {s.group !== null && <Badge tone="group">group {s.group}</Badge>}
        </>
      }
      extra={
        <div class="card-meta">
          {process !== undefined ? (
            <span title={`instance ${process.instance}`}>
              <span class="proc-dot" /> {process.app} · pid {process.pid} · {process.hostname}
            </span>
          ) : (
            <span class="muted">runs in another process · measured by its callers here</span>
          )}
        </div>
      }
    >
      <table class="table metrics">
        <thead>
          <tr>
            <th>Method</th>
            <th class="num">Calls</th>
            <th class="num">Calls/s</th>
            <th class="num">Errors</th>
            <th class="num">Error rate</th>
            <th class="num">p50</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {s.methods.map((m) => (
            <MethodRow key={m.name} method={m} />
          ))}
        </tbody>
      </table>
    </Card>
  );
}

function Overview(props: { services: ServiceStats[] }) {
  return (
    <Card title="Overview" testId="services-overview">
      <table class="table metrics clickable">
        <thead>
          <tr>
            <th>Service</th>
            <th>Group</th>
            <th class="wide">Process</th>
            <th class="num">Calls</th>
            <th class="num">Calls/s</th>
            <th class="num">Errors</th>
            <th class="num">Error rate</th>
            <th class="num">p50</th>
            <th class="num">p99</th>
          </tr>
        </thead>
        <tbody>
          {props.services.map((s) => {
            const p = s.processes[0];
            return (
              <tr
                key={s.name}
                data-service={s.name}
                onClick={() =>
                  document
                    .querySelector(`[data-testid="service-${s.name}"]`)
                    ?.scrollIntoView({ behavior: "smooth", block: "start" })
                }
              >
                <td>
                  <strong>{s.name}</strong>
                </td>
                <td>{s.group ?? "—"}</td>
                <td class="muted">{p === undefined ? "elsewhere" : `${p.app} · pid ${p.pid}`}</td>
                <td class="num">{count(s.calls)}</td>
                <td class="num">{rate(s.perSecond)}</td>
                <td class={`num ${s.errors > 0 ? "bad-text" : ""}`}>{count(s.errors)}</td>
                <td class={`num ${s.errors > 0 ? "bad-text" : ""}`}>{ratio(s.errors, s.calls)}</td>
                <td class="num">{duration(s.p50Ms)}</td>
                <td class="num">{duration(s.p99Ms)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Card>
  );
}

function Summary(props: { data: ServicesAnswer }) {
  const { services } = props.data;
  const calls = services.reduce((n, s) => n + s.calls, 0);
  const errors = services.reduce((n, s) => n + s.errors, 0);
  const perSecond = services.reduce((n, s) => n + s.perSecond, 0);
  const processes = new Set(services.flatMap((s) => s.processes.map((p) => p.instance)));
  return (
    <Stats>
      <Stat label="Services" value={count(services.length)} />
      <Stat
        label="Processes seen"
        value={count(processes.size)}
        hint={`pid ${props.data.process.pid}`}
      />
      <Stat label="Calls/s (last minute)" value={rate(perSecond)} />
      <Stat label="Calls recorded" value={count(calls)} />
      <Stat label="Error rate" value={ratio(errors, calls)} tone={errors > 0 ? "bad" : ""} />
    </Stats>
  );
}

/** The Services page. */
export function ServicesPage() {
  const { data, error } = useResource<ServicesAnswer>("/api/services", { pollMs: 5000 });
  return (
    <Page
      title="Services"
      subtitle="Every service of the app, where it runs, and how its methods are doing — from the spans this process recorded."
    >
      <Loaded data={data} error={error}>
        {(d) => (
          <>
            <Summary data={d} />
            {d.services.every((s) => s.calls === 0) && (
              <Empty title="No calls yet">
                Call a service — through the app's HTTP API or a client — and its numbers appear
                here.
              </Empty>
            )}
            <Overview services={d.services} />
            <div class="cards">
              {d.services.map((s) => (
                <ServiceCard key={s.name} service={s} />
              ))}
            </div>
          </>
        )}
      </Loaded>
    </Page>
  );
}
