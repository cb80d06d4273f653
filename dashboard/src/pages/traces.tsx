/** Traces: the latest traces this process recorded; a click opens one as a waterfall. */
import { Badge, Card, Empty, Loaded, Page } from "../components";
import { count, duration, time } from "../format";
import { useResource } from "../resource";
import { navigate, useRoute } from "../router";
import type { ServicesAnswer, TracesAnswer } from "../types";

/** The Traces page. */
export function TracesPage() {
  const { query } = useRoute();
  const service = query.get("service") ?? "";
  const errors = query.get("errors") === "true";
  const params = new URLSearchParams({ limit: "50" });
  if (service !== "") params.set("service", service);
  if (errors) params.set("errors", "true");
  const { data, error } = useResource<TracesAnswer>(`/api/traces?${params}`);
  const services = useResource<ServicesAnswer>("/api/services", { live: false });
  const setFilter = (next: { service?: string; errors?: boolean }) => {
    const q = new URLSearchParams();
    const s = next.service ?? service;
    const e = next.errors ?? errors;
    if (s !== "") q.set("service", s);
    if (e) q.set("errors", "true");
    navigate(`traces${q.size > 0 ? `?${q}` : ""}`, true);
  };
  return (
    <Page
      title="Traces"
      subtitle="Recent requests across services, newest first. Open one to see where its time went."
      actions={
        <div class="filters">
          <label>
            Service
            <select
              value={service}
              onChange={(e) => setFilter({ service: (e.target as HTMLSelectElement).value })}
            >
              <option value="">All services</option>
              {(services.data?.services ?? []).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={errors}
              onChange={(e) => setFilter({ errors: (e.target as HTMLInputElement).checked })}
            />
            Errors only
          </label>
        </div>
      }
    >
      <Loaded data={data} error={error}>
        {(d) =>
          d.traces.length === 0 ? (
            <Empty title={service !== "" || errors ? "No trace matches" : "No traces yet"}>
              {service !== "" || errors
                ? "Clear the filters, or wait for matching traffic."
                : "Call a service — through the app's HTTP API or a client — and its trace appears here."}
            </Empty>
          ) : (
            <Card
              extra={
                <span class="muted small">
                  {count(d.held)} spans held of the last {count(d.recorded)} recorded (keeps{" "}
                  {count(d.capacity)})
                </span>
              }
              title={`${count(d.traces.length)} traces`}
            >
              <table class="table clickable" data-testid="traces">
                <thead>
                  <tr>
                    <th>Started</th>
                    <th>Trace</th>
                    <th>Services</th>
                    <th class="num">Spans</th>
                    <th class="num">Duration</th>
                    <th>Status</th>
                  </tr>
                </thead>
                <tbody>
                  {d.traces.map((t) => (
                    <tr
                      key={t.traceId}
                      data-trace={t.traceId}
                      onClick={(e) => {
                        if (!(e.ctrlKey || e.metaKey || e.shiftKey))
                          navigate(`traces/${t.traceId}`);
                      }}
                    >
                      <td class="nowrap">{time(t.startTime)}</td>
                      <td>
                        <a
                          href={`traces/${t.traceId}`}
                          class="trace-name"
                          onClick={(e) => {
                            if (!(e.ctrlKey || e.metaKey || e.shiftKey)) e.preventDefault();
                          }}
                        >
                          {t.name}
                        </a>
                      </td>
                      <td>
                        <div class="chips">
                          {t.services.map((s) => (
                            <Badge key={s} tone="group">
                              {s}
                            </Badge>
                          ))}
                        </div>
                      </td>
                      <td class="num">{count(t.spans)}</td>
                      <td class="num">{duration(t.durationMs)}</td>
                      <td>
                        {t.error === null ? (
                          <span class="pill ok">OK</span>
                        ) : (
                          <span class="pill bad" title={t.error.message}>
                            {t.error.reason}
                          </span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )
        }
      </Loaded>
    </Page>
  );
}
