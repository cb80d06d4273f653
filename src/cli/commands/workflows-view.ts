/** How `weft workflows` shows runs: tables and timelines for people, plain data for `--json`. */
import type { WeftError } from "../../core/index.js";
import type { RunDetails, RunStatus, RunSummary, StepRecord } from "../../workflow/index.js";
import { type Colors, formatDuration, formatTime, type Ui } from "../ui.js";

/** A Weft error as the command prints it in JSON. */
export function errorJson(error: WeftError | undefined) {
  if (error === undefined) return undefined;
  return {
    code: error.code,
    reason: error.reason,
    message: error.message,
    ...(Object.keys(error.metadata).length > 0 ? { metadata: error.metadata } : {}),
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** A run as JSON (times as ISO strings). */
export function summaryJson(run: RunSummary) {
  return {
    id: run.id,
    workflow: run.workflow,
    version: run.version,
    status: run.status,
    attempts: run.attempts,
    parentId: run.parentId,
    createdAt: iso(run.createdAt),
    updatedAt: iso(run.updatedAt),
    completedAt: iso(run.completedAt),
    wakeAt: iso(run.wakeAt),
    error: errorJson(run.error),
  };
}

/** A step as JSON. */
export function stepJson(step: StepRecord) {
  return {
    seq: step.seq,
    name: step.name,
    kind: step.kind,
    ok: step.ok,
    attempts: step.attempts,
    startedAt: iso(step.startedAt),
    endedAt: iso(step.endedAt),
    durationMs: step.endedAt - step.startedAt,
    output: step.output,
    error: errorJson(step.error),
  };
}

/** A status in its colour. */
export function paintStatus(c: Colors, status: RunStatus | string): string {
  if (status === "completed" || status === "ok") return c.green(status);
  if (status === "failed") return c.red(status);
  if (status === "compensated" || status === "compensating") return c.yellow(status);
  if (status === "cancelled") return c.dim(status);
  return c.cyan(status);
}

const errorLine = (e: WeftError | undefined) =>
  e === undefined ? "" : `${e.code} ${e.reason}: ${e.message}`;

/** Prints runs as a table. */
export function printRuns(ui: Ui, runs: readonly RunSummary[]): void {
  if (runs.length === 0) {
    ui.out("No runs found.");
    ui.err(ui.c.dim("(filters: --status, --workflow, --limit; runs live in the app's store)"));
    return;
  }
  const { c } = ui;
  ui.out(
    ui.table(
      ["ID", "WORKFLOW", "STATUS", "CREATED", "UPDATED"],
      runs.map((r) => [
        r.id,
        `${r.workflow}${c.dim(`@${r.version}`)}`,
        paintStatus(c, r.status),
        formatTime(r.createdAt),
        formatTime(r.updatedAt),
      ]),
    ),
  );
  ui.out(c.dim(`${runs.length} run(s), newest first. Details: weft workflows show <id>`));
}

/** Prints a run and its step timeline. */
export function printRun(ui: Ui, run: RunDetails): void {
  const { c } = ui;
  const pairs: [string, string][] = [
    ["run", run.id],
    ["workflow", `${run.workflow} (version ${run.version})`],
    ["status", paintStatus(c, run.status)],
    ["created", formatTime(run.createdAt)],
    ["updated", formatTime(run.updatedAt)],
  ];
  if (run.completedAt !== undefined) pairs.push(["finished", formatTime(run.completedAt)]);
  if (run.wakeAt !== undefined && run.status === "sleeping")
    pairs.push(["wakes", formatTime(run.wakeAt)]);
  if (run.parentId !== undefined) pairs.push(["parent", run.parentId]);
  if (run.error !== undefined) pairs.push(["error", c.red(errorLine(run.error))]);
  for (const [k, v] of pairs) ui.out(`${c.dim(k.padEnd(9))}${v}`);
  ui.out();
  if (run.steps.length === 0) {
    ui.out(c.dim("No steps recorded yet."));
    return;
  }
  ui.out(
    ui.table(
      ["#", "STEP", "KIND", "STATUS", "ATTEMPTS", "DURATION", "ERROR"],
      run.steps.map((s) => [
        String(s.seq),
        s.kind === "compensation" ? c.yellow(`↩ ${s.name}`) : s.name,
        s.kind,
        s.ok ? c.green("ok") : c.red("failed"),
        String(s.attempts),
        formatDuration(s.endedAt - s.startedAt),
        s.error === undefined ? "" : c.red(errorLine(s.error)),
      ]),
    ),
  );
  if (run.steps.some((s) => s.kind === "compensation"))
    ui.out(c.dim("↩ marks compensation steps (undoing earlier steps, newest first)."));
}
