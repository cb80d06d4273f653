/**
 * One workflow run: status, times, input and output, the step timeline (compensations marked),
 * and the operator's actions — Cancel a run in flight, Resume a failed one, Retry from a step.
 */
import { useState } from "preact/hooks";
import { postJson } from "../api";
import {
  Badge,
  Card,
  ErrorText,
  Failure,
  JsonBlock,
  Loaded,
  Page,
  Stat,
  Stats,
  StatusPill,
} from "../components";
import { count, date, duration, time } from "../format";
import { useResource } from "../resource";
import { Link } from "../router";
import { FINAL_STATUSES, type RunDetails, type StepRecord } from "../types";

const KIND_LABEL: Record<string, string> = {
  step: "step",
  sleep: "sleep",
  "signal-wait": "waits for signal",
  signal: "signal",
  "child-start": "child started",
  child: "child run",
  compensation: "compensation",
  cancel: "cancel",
};

function StepRow(props: { step: StepRecord; start: number; total: number }) {
  const { step, start, total } = props;
  const compensation = step.kind === "compensation";
  const took = Math.max(0, step.endedAt - step.startedAt);
  const left = ((step.startedAt - start) / total) * 100;
  const width = Math.max(0.6, (took / total) * 100);
  return (
    <li
      class={`step ${step.ok ? "ok" : "failed"} ${compensation ? "compensation" : ""}`}
      data-step={step.name}
    >
      <div class="step-head">
        <span class={`step-mark ${step.ok ? "ok" : "failed"}`} aria-hidden="true">
          {compensation ? "↩" : step.ok ? "✓" : "✕"}
        </span>
        <span class="step-title">
          <span class="step-name">{step.name}</span>
          {step.kind !== "step" && (
            <Badge tone={compensation ? "warn" : "muted"}>
              {KIND_LABEL[step.kind] ?? step.kind}
            </Badge>
          )}
        </span>
        <span class={`step-status ${step.ok ? "ok-text" : "bad-text"}`}>
          {step.ok ? "done" : "failed"}
        </span>
        <span class="step-meta">
          {count(step.attempts)} {step.attempts === 1 ? "attempt" : "attempts"} · {duration(took)} ·{" "}
          {time(step.startedAt)}
        </span>
        <div class="step-track" aria-hidden="true">
          <div class="step-bar" style={{ left: `${Math.min(99, left)}%`, width: `${width}%` }} />
        </div>
      </div>
      {step.error !== undefined && (
        <div class="step-error">
          <ErrorText error={step.error} />
        </div>
      )}
      {(step.output !== undefined || step.error?.metadata !== undefined) && (
        <div class="step-body">
          <JsonBlock label="Output" value={step.output} />
          {step.error !== undefined && Object.keys(step.error.metadata ?? {}).length > 0 && (
            <JsonBlock label="Error metadata" value={step.error.metadata} />
          )}
        </div>
      )}
    </li>
  );
}

function Actions(props: { run: RunDetails; reload: () => Promise<void> }) {
  const { run, reload } = props;
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Error | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const steps = [...new Set(run.steps.filter((s) => s.kind === "step").map((s) => s.name))];
  const [from, setFrom] = useState(
    steps.find((s) => run.steps.some((r) => r.name === s && !r.ok)) ?? steps[0] ?? "",
  );
  const final = FINAL_STATUSES.has(run.status);
  const act = async (label: string, path: string, body: unknown = {}) => {
    setBusy(true);
    setFailure(undefined);
    try {
      await postJson(`/api/workflows/${encodeURIComponent(run.id)}/${path}`, body);
      setNotice(label);
      await reload();
    } catch (thrown) {
      setFailure(thrown as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="run-actions">
      {!final && (
        <button
          type="button"
          class="button danger"
          disabled={busy}
          onClick={() => {
            if (confirm(`Cancel run ${run.id}? Its compensations run.`))
              void act(
                "Cancel requested: the run stops at its next step and undoes what it did.",
                "cancel",
              );
          }}
        >
          Cancel run
        </button>
      )}
      {run.status === "failed" && (
        <button
          type="button"
          class="button primary"
          disabled={busy}
          onClick={() => void act("Resumed: the run goes on from its journal.", "resume")}
        >
          Resume
        </button>
      )}
      {(final || run.status === "sleeping") && steps.length > 0 && (
        <span class="retry">
          <select
            aria-label="Step to retry from"
            value={from}
            onChange={(e) => setFrom((e.target as HTMLSelectElement).value)}
          >
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <button
            type="button"
            class="button"
            disabled={busy || from === ""}
            onClick={() => {
              if (confirm(`Forget the journal from step "${from}" on and run it again?`))
                void act(`Retrying from ${from}.`, "retry", { step: from });
            }}
          >
            Retry from step
          </button>
        </span>
      )}
      {notice !== undefined && <span class="notice">{notice}</span>}
      {failure !== undefined && <Failure error={failure} />}
    </div>
  );
}

/** The page of one run. */
export function WorkflowRunPage(props: { runId: string }) {
  const run = useResource<RunDetails>(`/api/workflows/${encodeURIComponent(props.runId)}`, {
    pollMs: 1500,
  });
  return (
    <Page
      title="Workflow run"
      subtitle={
        <>
          <Link to="workflows">← All runs</Link> · <code>{props.runId}</code>
        </>
      }
    >
      <Loaded data={run.data} error={run.error}>
        {(r) => {
          const start = r.createdAt;
          const last = Math.max(r.updatedAt, ...r.steps.map((s) => s.endedAt));
          const total = Math.max(1, last - start);
          const compensations = r.steps.filter((s) => s.kind === "compensation").length;
          return (
            <>
              <Card
                class="run-summary"
                title={
                  <>
                    {r.workflow} <span class="muted small">v{r.version}</span>{" "}
                    <span data-testid="run-status">
                      <StatusPill status={r.status} />
                    </span>
                  </>
                }
                extra={<Actions run={r} reload={run.reload} />}
              >
                <Stats>
                  <Stat label="Started" value={time(r.createdAt)} hint={date(r.createdAt)} />
                  <Stat
                    label={FINAL_STATUSES.has(r.status) ? "Took" : "Running for"}
                    value={duration(
                      (r.completedAt ?? (FINAL_STATUSES.has(r.status) ? r.updatedAt : Date.now())) -
                        r.createdAt,
                    )}
                  />
                  <Stat label="Steps" value={count(r.steps.length - compensations)} />
                  <Stat
                    label="Compensations"
                    value={count(compensations)}
                    tone={compensations > 0 ? "warn" : ""}
                  />
                  <Stat label="Attempts" value={count(r.attempts)} />
                  {r.wakeAt !== undefined && !FINAL_STATUSES.has(r.status) && (
                    <Stat label="Wakes" value={time(r.wakeAt)} />
                  )}
                </Stats>
                {r.error !== undefined && (
                  <div class="run-error">
                    <ErrorText error={r.error} />
                  </div>
                )}
                <div class="io">
                  <JsonBlock label="Input" value={r.input} />
                  <JsonBlock label="Output" value={r.output} />
                </div>
              </Card>
              <Card title="Steps">
                {r.steps.length === 0 ? (
                  <p class="muted">No step recorded yet: the run has not started its first step.</p>
                ) : (
                  <ol class="steps" data-testid="steps">
                    {r.steps.map((s) => (
                      <StepRow key={s.seq} step={s} start={start} total={total} />
                    ))}
                  </ol>
                )}
              </Card>
            </>
          );
        }}
      </Loaded>
    </Page>
  );
}
