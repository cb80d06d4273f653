/**
 * Forced replay of one completed run: its workflow function re-executed against its journal with
 * nothing run and nothing written. Any divergence — an operation the journal does not have at
 * that point, recorded entries left over, another outcome or output — is NONDETERMINISM naming
 * the run; a damaged row is DATA_LOSS. Tests use it (through `replayAll`) to catch a workflow
 * change that would break runs in flight.
 */
import { failedPrecondition, normalizeError, validate, type WeftError } from "../../core/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import { Execution, type Halt } from "./execution.js";
import type { ExecutionHost } from "./host.js";
import { canonicalJson } from "./ids.js";
import type { RunRow, StepRow } from "./journal.js";
import { decodeJson } from "./json.js";

/** Replays `run` with `definition`; resolves to what diverged, or undefined when nothing did. */
export async function replayRun(
  host: ExecutionHost,
  run: RunRow,
  definition: AnyWorkflow,
  steps: readonly StepRow[],
): Promise<WeftError | undefined> {
  const diverged = (what: string) =>
    failedPrecondition("NONDETERMINISM", `run ${run.id} of ${run.workflow}: ${what}`, {
      metadata: { runId: run.id },
    });
  const execution = new Execution(host, run, definition, steps, { replayOnly: true });
  type Result = { ok: true; value: unknown } | { ok: false; error: unknown } | { halt: Halt };
  const body = (async (): Promise<Result> => {
    try {
      const input = await validate(definition.input, decodeJson(run.input, `run ${run.id} input`), {
        code: "INVALID_ARGUMENT",
        reason: "INPUT_INVALID",
        subject: `input of workflow ${definition.name}`,
      });
      return { ok: true, value: await definition.run(execution, input) };
    } catch (error) {
      return { ok: false, error };
    }
  })();
  const result: Result = await Promise.race([body, execution.halt.then((halt) => ({ halt }))]);
  if ("halt" in result) {
    if (result.halt.kind === "fail") return result.halt.error;
    if (result.halt.kind === "store-error") return normalizeError(result.halt.error);
    return diverged(
      `the replay stopped to wait at step #${execution.seq}, which the run had passed`,
    );
  }
  if (!result.ok) {
    const error = normalizeError(result.error);
    if (error.reason === "NONDETERMINISM" || error.code === "DATA_LOSS") return error;
    return diverged(`the replay threw ${error.code} ${error.reason} where the run completed`);
  }
  const leftover = execution.unconsumed(execution.seq);
  if (leftover.length > 0) {
    return diverged(
      `the replay finished without reaching ${leftover.length} recorded step(s) from #${execution.seq} ("${leftover[0]?.name}")`,
    );
  }
  try {
    const output = await validate(definition.output, result.value, {
      code: "INTERNAL",
      reason: "OUTPUT_INVALID",
      subject: `output of workflow ${definition.name}`,
    });
    const recorded = decodeJson(run.output, `run ${run.id} output`);
    if (canonicalJson(output) !== canonicalJson(recorded)) {
      return diverged(`the replay returned another output than the run recorded`);
    }
  } catch (error) {
    return normalizeError(error);
  }
  return undefined;
}
