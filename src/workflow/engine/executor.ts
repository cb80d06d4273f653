/**
 * The executions of one process: launches each claimed run once (a run claimed again while its
 * execution here is ending runs again after it), reads its journal, and has it driven to an end
 * or a halt. Only running executions are in memory; a store failure mid-run lets the lease lapse,
 * and the run is claimed again (here or elsewhere).
 */
import { failedPrecondition, type Logger } from "../../core/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { Driver } from "./drive.js";
import { Execution } from "./execution.js";
import type { ExecutionHost } from "./host.js";
import type { Journal, RunRow } from "./journal.js";

/** What {@link Executor} needs. */
export interface ExecutorOptions {
  readonly host: ExecutionHost;
  readonly journal: Journal;
  readonly owner: string;
  readonly logger: Logger;
  readonly workflows: ReadonlyMap<string, AnyWorkflow>;
  /** Most runs executing at once here. */
  readonly maxConcurrent: number;
  /** The executions of this process, which the executor adds and removes. */
  readonly executing: Map<string, Execution>;
  readonly driver: Driver;
  /** Whether the engine takes work now. */
  readonly accepting: () => boolean;
  /** The engine's nudge: capacity was freed. */
  readonly nudge: () => void;
  /** The engine's launch (a reclaimed run is launched again through it). */
  readonly launch: (run: RunRow) => void;
}

/** Runs the claimed runs of this process. */
export class Executor {
  /** Runs with an execution here, from launch (before their journal is read) to its end. */
  private readonly launched = new Set<string>();
  private readonly reclaimed = new Set<string>();
  private drained: (() => void) | undefined;

  constructor(private readonly options: ExecutorOptions) {}

  /** Executes a claimed run here; a `fresh` one (just inserted here) has an empty journal. */
  launch(run: RunRow, fresh = false): void {
    if (this.launched.has(run.id)) {
      // Claimed again while its execution here is ending (it suspended and was woken at once, all
      // in one group commit): run it again once that execution is gone, or it would stay claimed
      // by this worker with nothing executing it.
      this.reclaimed.add(run.id);
      return;
    }
    this.launched.add(run.id);
    void this.execute(run, fresh).finally(() => {
      this.launched.delete(run.id);
      if (this.reclaimed.delete(run.id)) void this.relaunch(run.id);
    });
  }

  /** Executes a run claimed again during its previous execution, if it is still this worker's. */
  private async relaunch(id: string): Promise<void> {
    try {
      const run = await this.options.journal.getRun(id);
      const active = run?.status === "running" || run?.status === "compensating";
      if (
        run !== undefined &&
        active &&
        run.owner === this.options.owner &&
        this.options.accepting()
      ) {
        this.options.launch(run);
      }
    } catch (error) {
      this.options.logger.warn({ err: error, runId: id }, "could not resume a reclaimed run");
    }
  }

  /** Executes a run; a `fresh` one (just inserted here) has an empty journal: no read. */
  private async execute(run: RunRow, fresh = false): Promise<void> {
    const { driver, executing, maxConcurrent } = this.options;
    const definition = this.options.workflows.get(run.workflow);
    if (definition === undefined) {
      await driver.finish(
        run.id,
        "failed",
        undefined,
        failedPrecondition(
          "WORKFLOW_UNKNOWN",
          `this worker has no workflow ${run.workflow}; deploy code that has it, then resume run ${run.id}`,
        ),
        run.parent_id,
        run.workflow,
      );
      return;
    }
    let execution: Execution | undefined;
    try {
      const steps = fresh ? [] : await this.options.journal.steps(run.id);
      execution = new Execution(this.options.host, run, definition, steps);
      executing.set(run.id, execution);
      await driver.drive(execution);
    } catch (error) {
      // A store failure mid-run: the lease lapses and the run is claimed again (here or elsewhere).
      this.options.logger.warn(
        { err: error, runId: run.id },
        "a run's execution stopped on an error; it will be resumed",
      );
    } finally {
      // Claim more only if this worker was full: otherwise work waiting elsewhere was already
      // claimed (or is announced by the poll, NOTIFY or a wake timer).
      const wasFull = executing.size >= maxConcurrent;
      if (execution !== undefined) executing.delete(run.id);
      if (executing.size === 0) this.drained?.();
      if (wasFull) this.options.nudge();
    }
  }

  /** Waits for the executions here to end or halt, until `deadline` (epoch ms). */
  async drain(deadline: number): Promise<void> {
    if (this.options.executing.size === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.drained = resolve;
      }),
      new Promise<void>((resolve) =>
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
      ),
    ]);
  }
}
