/**
 * Forced replay for tests: re-executes every completed workflow run of an app once from its
 * journal — no step runs again, nothing is written — and reports the runs the app's current code
 * no longer replays the same way (NONDETERMINISM naming the run and the step, or DATA_LOSS for a
 * damaged row). Run it after a test's runs completed, or on a copy of production's journal before
 * deploying a changed workflow.
 *
 * @example
 * ```ts
 * import { replayAll } from "weft/testing";
 * await workflows(app).run(checkout, order);
 * expect((await replayAll(app)).failures).toEqual([]);
 * ```
 */
import { type App, failedPrecondition, type WeftError } from "../core/index.js";
import { sql } from "../store/index.js";
import type { RunRow } from "../workflow/engine/journal.js";
import { replayRun } from "../workflow/engine/replay.js";
import { WORKFLOW_ENGINE } from "../workflow/extension.js";

/** A run the current code did not replay as recorded. */
export interface ReplayFailure {
  readonly runId: string;
  readonly workflow: string;
  readonly error: WeftError;
}

/** What {@link replayAll} found. */
export interface ReplayReport {
  /** Completed runs replayed. */
  readonly replayed: number;
  /** Those that diverged, oldest first. */
  readonly failures: readonly ReplayFailure[];
}

/** Replays every completed run of `app` (optionally of one workflow); the app must be started. */
export async function replayAll(
  app: App,
  options: { readonly workflow?: string } = {},
): Promise<ReplayReport> {
  const engine = app.use(WORKFLOW_ENGINE);
  const only = options.workflow === undefined ? sql`` : sql`and workflow = ${options.workflow}`;
  const runs = await engine.journal.store.query<RunRow>(
    sql`select * from weft_runs where status = 'completed' ${only} order by created_at, id`,
  );
  const failures: ReplayFailure[] = [];
  for (const run of runs) {
    const definition = engine.workflow(run.workflow);
    const error =
      definition === undefined
        ? failedPrecondition("WORKFLOW_UNKNOWN", `the app has no workflow ${run.workflow}`)
        : await replayRun(engine.host, run, definition, await engine.journal.steps(run.id));
    if (error !== undefined) failures.push({ runId: run.id, workflow: run.workflow, error });
  }
  return { replayed: runs.length, failures };
}
