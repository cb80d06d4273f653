/**
 * The workflow engine of one process, composed of parts with one job each: {@link Claims} claims
 * runnable runs (new, woken, or whose owner's lease expired) and heartbeats their leases,
 * {@link Executor} and {@link Driver} execute them, {@link Wakeups} runs claim rounds when told,
 * polled or due (sleeping runs wake at their time), {@link Waiters} tells callers how runs ended,
 * and {@link StepHost} serves the steps. The engine itself starts runs and owns the lifecycle.
 * Store errors make it back off and try again; runs are never lost, because the journal and
 * leases are the only state.
 */
import {
  type App,
  alreadyExists,
  invalidArgument,
  type Logger,
  notFound,
  validate,
} from "../../core/index.js";
import { metricsOf } from "../../observe/observability.js";
import type { Queryable, Store } from "../../store/index.js";
import type { TxHandle } from "../../store/tx-handle.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { RunOrigin } from "../client.js";
import { Claims } from "./claims.js";
import { Driver } from "./drive.js";
import type { Execution } from "./execution.js";
import { Executor } from "./executor.js";
import type { Clock, ExecutionHost } from "./host.js";
import { canonicalJson, newId } from "./ids.js";
import { Journal, type RunRow } from "./journal.js";
import { Scheduler } from "./schedules.js";
import { StepHost } from "./step-host.js";
import { type RunOutcome, Waiters } from "./waiters.js";
import { Wakeups } from "./wakeups.js";

export type { RunOutcome } from "./waiters.js";

/** Options of the engine. */
export interface EngineOptions {
  readonly store: Store;
  /** Opens a top-level transaction with the app's full handle (`tx.publish`, `tx.start`). */
  readonly transaction: <T>(fn: (tx: TxHandle) => Promise<T>) => Promise<T>;
  readonly app: App;
  readonly workflows: readonly AnyWorkflow[];
  /** How long a worker owns a run without a heartbeat. Default 15 s. */
  readonly leaseMs?: number;
  /** How often to look for runs started or woken by other processes, and expired leases. Default 1 s. */
  readonly pollMs?: number;
  /** Most runs executing at once in this process. Default 256. */
  readonly maxConcurrent?: number;
  /** Time source. Default: the system clock. */
  readonly clock?: Clock;
  /** This worker's id. Default: a new UUIDv7. */
  readonly owner?: string;
  /**
   * Execute runs here. Default true; false for processes that only start and manage runs (a
   * client-only app): their runs are left to the workers.
   */
  readonly execute?: boolean;
}

const systemClock: Clock = { now: () => Date.now() };

/** One process's workflow engine. */
export class Engine {
  readonly owner: string;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The engine as its executions see it (also for replaying runs). */
  readonly host: ExecutionHost;
  private readonly workflows: Map<string, AnyWorkflow>;
  private readonly leaseMs: number;
  private readonly maxConcurrent: number;
  private accepting = false;
  /** The executions of this process, by run id. */
  private readonly executing = new Map<string, Execution>();
  private readonly scheduler: Scheduler;
  private readonly claims: Claims;
  private readonly wakeups: Wakeups;
  private readonly waiters: Waiters;
  private readonly executor: Executor;

  constructor(private readonly options: EngineOptions) {
    this.owner = options.owner ?? newId();
    this.journal = new Journal(options.store);
    this.clock = options.clock ?? systemClock;
    this.logger = options.app.logger.child({ component: "workflow-engine", owner: this.owner });
    this.workflows = new Map(options.workflows.map((w) => [w.name, w]));
    this.leaseMs = options.leaseMs ?? 15_000;
    this.maxConcurrent = options.maxConcurrent ?? 256;
    this.nudge = this.nudge.bind(this);
    this.launch = this.launch.bind(this);
    this.clock.onAdvance?.(() => this.nudge());
    this.scheduler = new Scheduler(
      options.store,
      options.workflows,
      (workflow, input, id) => this.startRun(workflow, input, { id }),
      this.logger,
    );
    const { owner, journal, clock, logger, executing } = this;
    const nudge = () => this.nudge();
    this.claims = new Claims({
      journal,
      owner,
      clock,
      logger,
      executing,
      leaseMs: this.leaseMs,
      workflows: options.workflows,
    });
    this.wakeups = new Wakeups({
      store: options.store,
      clock,
      logger,
      pollMs: options.pollMs ?? 1_000,
      accepting: () => this.accepting,
      round: () => this.claimRound(),
      nextDue: () => this.nextDue(),
      nudge,
    });
    this.waiters = new Waiters(journal, (id) => executing.has(id));
    this.host = new StepHost({
      store: options.store,
      transaction: options.transaction,
      app: options.app,
      owner,
      journal,
      clock,
      logger,
      executing,
      startRun: (workflow, input, startOptions) => this.startRun(workflow, input, startOptions),
    });
    const driver = new Driver({
      journal,
      owner,
      clock,
      logger,
      executing,
      nudge,
      ended: metricsOf(options.app)?.counter(
        "weft_workflow_runs_total",
        "Workflow runs that ended in this process, by workflow and final status.",
        ["workflow", "status"],
      ),
      notify: (id, outcome) => this.waiters.notify(id, outcome),
    });
    this.executor = new Executor({
      host: this.host,
      journal,
      owner,
      logger,
      workflows: this.workflows,
      maxConcurrent: this.maxConcurrent,
      executing,
      driver,
      accepting: () => this.accepting,
      nudge,
      launch: (run) => this.launch(run),
    });
  }

  /** Begins claiming and executing runs. */
  async start(): Promise<void> {
    if (this.options.execute === false) return;
    await this.scheduler.init(this.clock.now());
    await this.wakeups.listen();
    this.accepting = true;
    this.claims.startHeartbeat();
    this.wakeups.startPolling();
    this.nudge();
  }

  /** Looks for runnable runs soon (a run was started, woken or freed capacity). */
  nudge(): void {
    this.wakeups.nudge();
  }

  /** One claim round: fires due schedules, claims what there is room for, launches it. */
  private async claimRound(): Promise<boolean | undefined> {
    const room = this.maxConcurrent - this.executing.size;
    if (room <= 0 || !this.accepting) return undefined;
    const now = this.clock.now();
    await this.scheduler.fireDue(now);
    const runs = await this.claims.claim(now, room);
    for (const run of runs) this.launch(run);
    return runs.length >= this.claims.batch(room);
  }

  /** The earliest time a sleeping run wakes or a schedule fires. */
  private async nextDue(): Promise<number | undefined> {
    const [wake, fire] = await Promise.all([this.journal.nextWake(), this.scheduler.next()]);
    return wake === undefined ? fire : fire === undefined ? wake : Math.min(wake, fire);
  }

  /**
   * Validates input and records a run; executes it here when there is room. With `tx` (an open
   * transaction's handle) the run is recorded in that transaction and left to a worker, which
   * claims it once the transaction committed: whoever commits it nudges the engine then.
   */
  async startRun(
    workflow: AnyWorkflow,
    input: unknown,
    options: { id?: string; parentId?: string; origin?: RunOrigin; tx?: Queryable } = {},
  ): Promise<{ id: string; created: boolean }> {
    const known = this.workflows.get(workflow.name);
    if (known === undefined) {
      throw notFound(
        "WORKFLOW_NOT_FOUND",
        `app ${this.options.app.name} has no workflow ${workflow.name}`,
        {
          metadata: { workflow: workflow.name },
        },
      );
    }
    await validate(known.input, input, {
      code: "INVALID_ARGUMENT",
      reason: "INPUT_INVALID",
      subject: `input of workflow ${known.name}`,
    });
    const id = options.id ?? newId();
    if (typeof id !== "string" || id === "" || id.length > 200) {
      throw invalidArgument(
        "INVALID_RUN_ID",
        "a run id is a non-empty string of at most 200 characters",
      );
    }
    const text = canonicalJson(input);
    const now = this.clock.now();
    // Started in a transaction, the run exists only once that commits: a worker claims it then.
    const here =
      options.tx === undefined &&
      this.accepting &&
      this.executing.size < this.maxConcurrent &&
      known.queue === undefined;
    const row: RunRow = {
      id,
      workflow: known.name,
      version: known.version,
      status: here ? "running" : "pending",
      input: text,
      output: null,
      error: null,
      parent_id: options.parentId ?? null,
      traceparent: options.origin?.traceparent ?? null,
      caller: options.origin?.caller ?? null,
      queue: known.queue?.name ?? null,
      owner: here ? this.owner : null,
      lease_until: here ? now + this.leaseMs : null,
      wake_at: null,
      cancel_requested: 0,
      attempts: here ? 1 : 0,
      created_at: now,
      started_at: here ? now : null,
      updated_at: now,
      completed_at: null,
    };
    if (await this.journal.insertRun(row, options.tx)) {
      if (here) this.launch(row, true);
      else if (options.tx === undefined) {
        this.nudge();
        await this.notifyOthers();
      }
      return { id, created: true };
    }
    const existing = await this.journal.getRun(id, options.tx);
    if (existing !== undefined && existing.workflow === known.name && existing.input === text) {
      return { id, created: false };
    }
    throw alreadyExists(
      "RUN_EXISTS",
      `run ${id} exists already${existing === undefined ? "" : ` (workflow ${existing.workflow})`} with a different input; the workflow id is the idempotency key`,
      { metadata: { runId: id } },
    );
  }

  private launch(run: RunRow, fresh = false): void {
    this.executor.launch(run, fresh);
  }

  /**
   * Resolves when the run ends. A run ending in this process resolves its waiters with the outcome
   * at once (no read); a run elsewhere is seen by reading the store with a growing interval.
   */
  waitFor(id: string, timeoutMs: number): Promise<RunOutcome> {
    return this.waiters.waitFor(id, timeoutMs);
  }

  /** Stops claiming; waits for executions to end or halt, until `deadline`. */
  async drain(deadline: number): Promise<void> {
    this.accepting = false;
    this.wakeups.pause();
    await this.executor.drain(deadline);
  }

  /** Tells other processes (PostgreSQL NOTIFY) that runnable work appeared. */
  notifyOthers(): Promise<void> {
    return this.wakeups.notifyOthers();
  }

  /** Gives up the leases still held, so other workers resume those runs at once. */
  async stop(): Promise<void> {
    this.accepting = false;
    await this.wakeups.stop();
    await this.claims.release();
  }

  /** The definition this worker has for workflow `name`. */
  workflow(name: string): AnyWorkflow | undefined {
    return this.workflows.get(name);
  }

  /** Runs executing in this process. */
  get running(): number {
    return this.executing.size;
  }
}
