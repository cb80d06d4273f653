/** Workflows: runs, newest first, filtered by status and workflow; a click opens one. */
import { ApiError } from "../api";
import { Card, Empty, Loaded, Page, StatusPill } from "../components";
import { count, duration, shortId, time } from "../format";
import { useResource } from "../resource";
import { navigate, useRoute } from "../router";
import { FINAL_STATUSES, RUN_STATUSES, type RunSummary } from "../types";

/** The Workflows page. */
export function WorkflowsPage() {
  const { query } = useRoute();
  const status = query.get("status") ?? "";
  const workflow = query.get("workflow") ?? "";
  const params = new URLSearchParams({ limit: "200" });
  if (status !== "") params.set("status", status);
  if (workflow !== "") params.set("workflow", workflow);
  const { data, error } = useResource<{ runs: RunSummary[] }>(`/api/workflows?${params}`, {
    pollMs: 3000,
  });
  const all = useResource<{ runs: RunSummary[] }>("/api/workflows?limit=1000", { pollMs: 10000 });
  const names = [...new Set((all.data?.runs ?? []).map((r) => r.workflow))].sort();
  if (workflow !== "" && !names.includes(workflow)) names.push(workflow);
  const setFilter = (next: { status?: string; workflow?: string }) => {
    const q = new URLSearchParams();
    const s = next.status ?? status;
    const w = next.workflow ?? workflow;
    if (s !== "") q.set("status", s);
    if (w !== "") q.set("workflow", w);
    navigate(`workflows${q.size > 0 ? `?${q}` : ""}`, true);
  };
  return (
    <Page
      title="Workflows"
      subtitle="Durable runs and their state, from the app's journal."
      actions={
        <div class="filters">
          <label>
            Status
            <select
              name="status"
              value={status}
              onChange={(e) => setFilter({ status: (e.target as HTMLSelectElement).value })}
            >
              <option value="">Any status</option>
              {RUN_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Workflow
            <select
              name="workflow"
              value={workflow}
              onChange={(e) => setFilter({ workflow: (e.target as HTMLSelectElement).value })}
            >
              <option value="">All workflows</option>
              {names.map((n) => (
                <option key={n} value={n}>
                  {n}
                </option>
              ))}
            </select>
          </label>
        </div>
      }
    >
      {error instanceof ApiError && error.status === 404 ? (
        <Empty title="This app has no workflows">
          Define one with defineWorkflow and list it in defineApp's workflows; its runs show here.
        </Empty>
      ) : (
        <Loaded data={data} error={error}>
          {(d) =>
            d.runs.length === 0 ? (
              <Empty
                title={status !== "" || workflow !== "" ? "No run matches" : "No workflow runs yet"}
              >
                {status !== "" || workflow !== ""
                  ? "Clear the filters to see every run."
                  : "Start a workflow (place an order in the shop) and its run appears here."}
              </Empty>
            ) : (
              <Card title={`${count(d.runs.length)} runs`}>
                <table class="table clickable" data-testid="runs">
                  <thead>
                    <tr>
                      <th>Run</th>
                      <th>Workflow</th>
                      <th>Status</th>
                      <th>Started</th>
                      <th class="num">Duration</th>
                      <th class="num">Attempts</th>
                      <th>Error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.runs.map((r) => (
                      <tr
                        key={r.id}
                        data-run={r.id}
                        onClick={() => navigate(`workflows/${encodeURIComponent(r.id)}`)}
                      >
                        <td>
                          <code title={r.id}>{shortId(r.id)}</code>
                        </td>
                        <td>
                          {r.workflow} <span class="muted small">v{r.version}</span>
                        </td>
                        <td>
                          <StatusPill status={r.status} />
                        </td>
                        <td class="nowrap">{time(r.createdAt)}</td>
                        <td class="num">
                          {FINAL_STATUSES.has(r.status)
                            ? duration((r.completedAt ?? r.updatedAt) - r.createdAt)
                            : `${duration(Date.now() - r.createdAt)} so far`}
                        </td>
                        <td class="num">{count(r.attempts)}</td>
                        <td>
                          {r.error !== undefined && (
                            <span class="bad-text" title={r.error.message}>
                              {r.error.reason}
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
      )}
    </Page>
  );
}
