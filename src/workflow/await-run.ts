/**
 * Waiting for a run the caller just recorded (`run` of the workflow client). Once the run is
 * recorded it goes on whatever happens to the caller, so an error while waiting — the store
 * unreachable for a moment, the timeout — must not read as "nothing happened, try again later":
 * the wait keeps going through transient store errors until its timeout, and whatever error ends
 * it says `mayHaveRun: true`, carries the run id in its metadata (`runId`, to look the run up),
 * and is retryable (starting the same id again waits for the same run).
 */
import { failedPrecondition, normalizeError, type WeftError } from "../core/index.js";
import type { RunOutcome } from "./engine/waiters.js";

/** What {@link awaitRecordedRun} waits with: the engine's `waitFor`. */
export type WaitFor = (id: string, timeoutMs: number) => Promise<RunOutcome>;

/** Pause between waits after a transient error, at most. */
const RETRY_PAUSE_MS = 250;

/** The error of a wait for recorded run `id`: it may have run, with its id, retryable. */
function afterRecorded(error: WeftError, id: string): WeftError {
  return error.with({
    mayHaveRun: true,
    retryable: true,
    metadata: { ...error.metadata, runId: id },
  });
}

/**
 * Waits up to `timeoutMs` for run `id` (already recorded) to end, through transient errors
 * (retryable ones that say nothing ran, such as STORE_UNAVAILABLE). Rejects with an error that
 * says the run may have run and names it (see the module comment).
 */
export async function awaitRecordedRun(
  waitFor: WaitFor,
  id: string,
  timeoutMs: number,
): Promise<RunOutcome> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await waitFor(id, Math.max(0, deadline - Date.now()));
    } catch (thrown) {
      const error = normalizeError(thrown);
      const left = deadline - Date.now();
      if (!error.retryable || error.mayHaveRun || left <= 0) throw afterRecorded(error, id);
      await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_PAUSE_MS, left)));
    }
  }
}

/**
 * The error `run` throws for a run that ended without completing: the run's own error, intact but
 * for one thing — it is final for that run id (starting the same id again ends the same way), so
 * it is never retryable, whatever the failure inside the run said (a step that found NATS down
 * said "retry"). A new attempt needs a new run id.
 */
export function endedRunError(outcome: RunOutcome, id: string): WeftError {
  const error =
    outcome.error ??
    failedPrecondition("RUN_NOT_COMPLETED", `run ${id} ended ${outcome.status}`, {
      metadata: { runId: id, runStatus: outcome.status },
    });
  return error.retryable ? error.with({ retryable: false }) : error;
}
