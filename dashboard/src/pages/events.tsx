/**
 * Events: topics and their consumers, the outbox backlog and relay lag, queue depths, delivery
 * counts, and dead letters with their error and a Redrive button.
 */
import { useState } from "preact/hooks";
import { postJson } from "../api";
import { Badge, Card, Empty, ErrorText, Failure, Loaded, Page, Stat, Stats } from "../components";
import { count, duration, rate, time } from "../format";
import { useResource } from "../resource";
import type { DeadLetter, EventStats } from "../types";

function DeadLetters(props: { onChange: () => void }) {
  const { data, error, reload } = useResource<{ deadLetters: DeadLetter[] }>(
    "/api/events/dead-letters?limit=200",
    { pollMs: 3000 },
  );
  const [busy, setBusy] = useState<string | null>(null);
  const [failure, setFailure] = useState<Error | undefined>(undefined);
  const act = async (id: string, action: "redrive" | "discard") => {
    setBusy(id);
    setFailure(undefined);
    try {
      await postJson(`/api/events/dead-letters/${encodeURIComponent(id)}/${action}`);
      await reload();
      props.onChange();
    } catch (thrown) {
      setFailure(thrown as Error);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Card title="Dead letters" testId="dead-letters">
      {failure !== undefined && <Failure error={failure} />}
      <Loaded data={data} error={error}>
        {(d) =>
          d.deadLetters.length === 0 ? (
            <Empty title="No dead letters">
              Every event was handled, or is still being retried. An event whose handler keeps
              failing lands here after its last attempt.
            </Empty>
          ) : (
            <table class="table">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Consumer</th>
                  <th>Event</th>
                  <th class="num">Attempts</th>
                  <th>Error</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.deadLetters.map((dl) => (
                  <tr key={dl.id} data-dead-letter={dl.id}>
                    <td class="nowrap">{time(dl.createdAt)}</td>
                    <td>
                      <code>{dl.consumer}</code>
                    </td>
                    <td>
                      <div>{dl.event.topic}</div>
                      <code class="muted small" title={dl.event.payload}>
                        {dl.event.key ?? dl.event.id}
                      </code>
                    </td>
                    <td class="num">{count(dl.attempts)}</td>
                    <td>
                      <ErrorText error={dl.error} />
                    </td>
                    <td class="nowrap">
                      <button
                        type="button"
                        class="button primary small"
                        disabled={busy !== null}
                        onClick={() => void act(dl.id, "redrive")}
                      >
                        Redrive
                      </button>{" "}
                      <button
                        type="button"
                        class="button small"
                        disabled={busy !== null}
                        onClick={() => {
                          if (confirm("Delete this dead letter for good?"))
                            void act(dl.id, "discard");
                        }}
                      >
                        Discard
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Loaded>
    </Card>
  );
}

/** The Events page. */
export function EventsPage() {
  const { data, error, reload } = useResource<EventStats | { enabled: false }>(
    "/api/events/stats",
    { pollMs: 3000 },
  );
  return (
    <Page
      title="Events"
      subtitle="Topics, their consumers, and how delivery is going: backlog, retries and dead letters."
    >
      <Loaded data={data} error={error}>
        {(d) =>
          !d.enabled ? (
            <Empty title="This app uses no events">
              Declare a topic with defineTopic and subscribe a service to it; its deliveries show
              here.
            </Empty>
          ) : (
            <>
              <Stats compact>
                <Stat label="Broker" value={d.broker === "local" ? "in process" : d.broker} />
                <Stat
                  label="Outbox backlog"
                  value={count(d.outbox.pending)}
                  hint={d.outbox.pending === 0 ? "all relayed" : "committed, not yet relayed"}
                  tone={d.outbox.pending > 0 ? "warn" : ""}
                />
                <Stat
                  label="Relay lag"
                  value={
                    d.outbox.oldestAgeMs === undefined ? "none" : duration(d.outbox.oldestAgeMs)
                  }
                  hint="age of the oldest unrelayed event"
                />
                <Stat
                  label="Delivered"
                  value={count(d.deliveries.done)}
                  hint="handled in this process"
                />
                <Stat
                  label="Retried"
                  value={count(d.deliveries.retried)}
                  tone={d.deliveries.retried > 0 ? "warn" : ""}
                />
                <Stat label="Duplicates skipped" value={count(d.deliveries.duplicate)} />
                <Stat
                  label="Dead-lettered"
                  value={count(d.deliveries.dead)}
                  tone={d.deliveries.dead > 0 ? "bad" : ""}
                />
              </Stats>
              <Card title="Topics" testId="topics">
                {d.topics.length === 0 ? (
                  <p class="muted">No topic declared.</p>
                ) : (
                  <table class="table">
                    <thead>
                      <tr>
                        <th>Topic</th>
                        <th>Consumers</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.topics.map((t) => (
                        <tr key={t.name} data-topic={t.name}>
                          <td>
                            <code class="topic">{t.name}</code>
                          </td>
                          <td>
                            <div class="chips">
                              {t.consumers.length === 0 ? (
                                <span class="muted">
                                  no consumer: events are stored, not delivered
                                </span>
                              ) : (
                                t.consumers.map((c) => (
                                  <Badge key={c} tone="group">
                                    {c}
                                  </Badge>
                                ))
                              )}
                            </div>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </Card>
              <Card title="Consumers" testId="consumers">
                <table class="table">
                  <thead>
                    <tr>
                      <th>Consumer</th>
                      <th>Service</th>
                      <th>Topic</th>
                      <th class="num">Waiting</th>
                      <th class="num">Deliveries</th>
                      <th class="num">Per second</th>
                      <th class="num">Failed</th>
                      <th class="num">p50</th>
                      <th class="num">Dead letters</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.consumers.map((c) => (
                      <tr key={c.name} data-consumer={c.name}>
                        <td>
                          <code>{c.name}</code>
                        </td>
                        <td>{c.service}</td>
                        <td>{c.topic}</td>
                        <td class="num">{c.pending === undefined ? "—" : count(c.pending)}</td>
                        <td class="num">{count(c.handled.calls)}</td>
                        <td class="num">{rate(c.handled.perSecond)}</td>
                        <td class={`num ${c.handled.errors > 0 ? "bad-text" : ""}`}>
                          {count(c.handled.errors)}
                        </td>
                        <td class="num">{duration(c.handled.p50Ms)}</td>
                        <td class={`num ${c.deadLetters > 0 ? "bad-text" : ""}`}>
                          {count(c.deadLetters)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </Card>
              <DeadLetters onChange={() => void reload()} />
            </>
          )
        }
      </Loaded>
    </Page>
  );
}
