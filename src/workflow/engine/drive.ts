/**
 * Driving one execution to its end: runs the workflow function against the journal and writes
 * what came of it — the output, the failure (after compensating), or the halt (a suspension until
 * a wake, a lost lease, a store error) — then wakes the parent and anyone waiting here.
 */
import {
  errorToWire,
  failedPrecondition,
  internal,
  type Logger,
  normalizeError,
  validate,
  type WeftError,
} from "../../core/index.js";
import type { Counter } from "../../observe/metrics/registry.js";
import type { Execution, Halt } from "./execution.js";
import type { Clock } from "./host.js";
import type { Journal } from "./journal.js";
import { decodeJson, encodeJson } from "./json.js";
import type { RunStatus } from "./schema.js";
import type { RunOutcome } from "./waiters.js";

/** What {@link Driver} needs. */
export interface DriverOptions {
  readonly journal: Journal;
  readonly owner: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The executions of this process (a run's workflow name for the metric). */
  readonly executing: ReadonlyMap<string, Execution>;
  /** Counts runs that end here, when the app records metrics. */
  readonly ended: Counter | undefined;
  /** The engine's nudge: a run may be runnable at once, or its wake time must be armed. */
  readonly nudge: () => void;
  /** Tells the waiters here how a run ended. */
  readonly notify: (id: string, outcome: RunOutcome) => void;
}

/** Drives executions and writes their outcomes. */
export class Driver {
  private readonly journal: Journal;
  private readonly owner: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly executing: ReadonlyMap<string, Execution>;

  constructor(private readonly options: DriverOptions) {
    this.journal = options.journal;
    this.owner = options.owner;
    this.clock = options.clock;
    this.logger = options.logger;
    this.executing = options.executing;
  }

  private nudge(): void {
    this.options.nudge();
  }

  /** Runs the workflow function against the journal and writes what came of it. */
  async drive(execution: Execution): Promise<void> {
    const run = execution.run;
    const definition = execution.definition;
    type Result = { done: true; value: unknown } | { done: false; error: unknown } | { halt: Halt };
    const body = (async (): Promise<Result> => {
      try {
        const input = await validate(
          definition.input,
          decodeJson(run.input, `run ${run.id} input`),
          {
            code: "INVALID_ARGUMENT",
            reason: "INPUT_INVALID",
            subject: `input of workflow ${definition.name}`,
          },
        );
        return { done: true, value: await definition.run(execution, input) };
      } catch (error) {
        return { done: false, error };
      }
    })();
    const result: Result = await Promise.race([body, execution.halt.then((halt) => ({ halt }))]);
    if ("halt" in result) return this.halted(execution, result.halt);
    if (result.done) {
      const leftover = execution.unconsumed(execution.seq);
      if (leftover.length > 0) {
        return this.failRun(
          execution,
          failedPrecondition(
            "NONDETERMINISM",
            `run ${run.id} of ${run.workflow} finished without reaching ${leftover.length} recorded step(s) from #${execution.seq} ("${leftover[0]?.name}"): the workflow changed under it`,
          ),
        );
      }
      let output: unknown;
      try {
        // The validated value (defaults applied, unknown keys dropped) is what callers are typed to get.
        output = await validate(definition.output, result.value, {
          code: "INTERNAL",
          reason: "OUTPUT_INVALID",
          subject: `output of workflow ${definition.name}`,
        });
        encodeJson(output, "workflow output");
      } catch (error) {
        return this.failRun(execution, normalizeError(error));
      }
      return this.finish(run.id, "completed", output, undefined, run.parent_id);
    }
    const error = normalizeError(result.error);
    if (error.reason === "NONDETERMINISM" || error.code === "DATA_LOSS")
      return this.failRun(execution, error);
    if (execution.compensations.length > 0) {
      await this.journal.setStatus(run.id, this.owner, "compensating", {
        now: this.clock.now(),
        error: encodeJson(errorToWire(error), "error"),
      });
      const failed = await Promise.race([
        execution.compensate(),
        execution.halt.then((halt) => ({ halt })),
      ]);
      if (failed !== undefined && "halt" in failed) return this.halted(execution, failed.halt);
      if (failed !== undefined) {
        return this.finish(
          run.id,
          "failed",
          undefined,
          internal(
            "COMPENSATION_FAILED",
            `run ${run.id} failed (${error.reason}) and compensating step "${failed.step}" failed too (${failed.error.reason}): resume it after fixing the cause`,
            {
              metadata: { step: failed.step, cause: failed.error.reason, original: error.reason },
            },
          ),
          run.parent_id,
        );
      }
      return this.finish(
        run.id,
        error.code === "CANCELLED" ? "cancelled" : "compensated",
        undefined,
        error,
        run.parent_id,
      );
    }
    return this.finish(
      run.id,
      error.code === "CANCELLED" ? "cancelled" : "failed",
      undefined,
      error,
      run.parent_id,
    );
  }

  private async halted(execution: Execution, halt: Halt): Promise<void> {
    if (halt.kind === "lease-lost") {
      this.logger.warn(
        { runId: execution.runId },
        "lost the lease of a run; another worker owns it now",
      );
      return;
    }
    if (halt.kind === "fail") return this.failRun(execution, halt.error);
    if (halt.kind === "store-error") throw halt.error; // logged by execute(); the run is resumed
    await execution.settled();
    const now = this.clock.now();
    await this.journal.suspend(execution.runId, this.owner, halt.wakeAt, halt.wakeNow, now);
    // It may be runnable at once (a signal or a child's end came meanwhile), and the wake timer
    // must learn its time: one claim round does both.
    this.nudge();
  }

  private failRun(execution: Execution, error: WeftError): Promise<void> {
    this.logger.error({ runId: execution.runId, reason: error.reason }, error.message);
    return this.finish(execution.runId, "failed", undefined, error, execution.run.parent_id);
  }

  /** Writes a final status, wakes the parent and anyone waiting here. */
  async finish(
    id: string,
    status: RunStatus,
    output: unknown,
    error: WeftError | undefined,
    parentId: string | null,
    workflow = this.executing.get(id)?.run.workflow,
  ): Promise<void> {
    const now = this.clock.now();
    const written = await this.journal.setStatus(id, this.owner, status, {
      output: encodeJson(output, "workflow output"),
      error: error === undefined ? null : encodeJson(errorToWire(error), "error"),
      now,
      final: true,
    });
    if (!written) return;
    this.options.ended?.inc({ workflow: workflow ?? "", status });
    if (parentId !== null) {
      await this.journal.wake(parentId, now);
      this.nudge();
    }
    this.options.notify(id, { status, output, error });
  }
}
