/** Errors: failures grouped by code and reason, counted per trace, with a sample trace to open. */
import { Badge, Card, Empty, Loaded, Page } from "../components";
import { ago, count, time } from "../format";
import { useResource } from "../resource";
import { Link } from "../router";
import type { ErrorGroup } from "../types";

/** The Errors page. */
export function ErrorsPage() {
  const { data, error } = useResource<{ groups: ErrorGroup[]; held: number }>("/api/errors");
  return (
    <Page
      title="Errors"
      subtitle="What failed recently, grouped by code and reason. One failure that travels through several calls counts once."
    >
      <Loaded data={data} error={error}>
        {(d) =>
          d.groups.length === 0 ? (
            <Empty title="No errors recorded">
              {d.held === 0
                ? "No traffic yet — call a service and any failure shows here."
                : "Every recent call succeeded."}
            </Empty>
          ) : (
            <Card title={`${count(d.groups.length)} kinds of error`}>
              <table class="table" data-testid="errors">
                <thead>
                  <tr>
                    <th>Reason</th>
                    <th class="num">Traces</th>
                    <th>Started in</th>
                    <th>Services</th>
                    <th>Last seen</th>
                    <th>Latest message</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {d.groups.map((g) => (
                    <tr key={`${g.code}/${g.reason}`} data-error={g.reason}>
                      <td>
                        <code class="reason">{g.reason}</code>
                        <div class="muted small">{g.code}</div>
                      </td>
                      <td class="num">{count(g.count)}</td>
                      <td>
                        <code>{g.origin}</code>
                      </td>
                      <td>
                        <div class="chips">
                          {g.services.map((s) => (
                            <Badge key={s} tone="group">
                              {s}
                            </Badge>
                          ))}
                        </div>
                      </td>
                      <td class="nowrap" title={time(g.lastAt)}>
                        {ago(g.lastAt)}
                      </td>
                      <td class="message-cell">{g.message}</td>
                      <td class="nowrap">
                        <Link to={`traces/${g.sampleTraceId}`} class="button small">
                          Sample trace
                        </Link>
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
