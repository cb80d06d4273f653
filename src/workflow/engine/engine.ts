/**
 * The workflow engine of one process: starts runs, claims runnable ones (new, woken, or whose
 * owner's lease expired), executes them, heartbeats its leases, and wakes sleeping runs at their
 * time. Only running executions are in memory. Store errors make it back off and try again; runs
 * are never lost, because the journal and leases are the only state.
 */
import { AsyncResource } from "node:async_hooks";
import {
  type AnyContract,
  type App,
  alreadyExists,
  type CallOptions,
  type Client,
  errorFromWire,
  errorToWire,
  failedPrecondition,
  internal,
  invalidArgument,
  type Logger,
  normalizeError,
  notFound,
  PUBLISHER,
  type Published,
  type PublishOptions,
  type TopicLike,
  type TxHandle,
  validate,
  type WeftError,
} from "../../core/index.js";
import type { Counter } from "../../observe/metrics/registry.js";
import { metricsOf } from "../../observe/observability.js";
import { type Store, sql } from "../../store/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { RunOrigin } from "../client.js";
import { Execution, type Halt } from "./execution.js";
import type { Clock, ExecutionHost } from "./host.js";
import { canonicalJson, newId, stepEventId } from "./ids.js";
import { Journal, type RunRow } from "./journal.js";
import { decodeJson, encodeJson } from "./json.js";
import { Scheduler } from "./schedules.js";
import { FINAL_STATUSES, type RunStatus } from "./schema.js";

/** Options of the engine. */
export interface EngineOptions {
  readonly store: Store;
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

/** How a run ended, for waiters. */
export interface RunOutcome {
  readonly status: RunStatus;
  readonly output: unknown;
  readonly error: WeftError | undefined;
}

const systemClock: Clock = { now: () => Date.now() };

/** The NOTIFY channel on which PostgreSQL engines of one schema wake each other. */
function notifyChannel(store: Store): string {
  const schema = (store as { schema?: unknown }).schema;
  return `weft_wf_${typeof schema === "string" ? schema : "public"}`.slice(0, 63);
}

type ListenFn = (
  channel: string,
  onNotify: (payload: string) => void,
  options?: { onReconnect?: () => void },
) => Promise<() => Promise<void>>;

/** One process's workflow engine. */
export class Engine implements ExecutionHost {
  readonly owner: string;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly workflows: Map<string, AnyWorkflow>;
  private readonly executing = new Map<string, Execution>();
  /** Runs with an execution here, from launch (before their journal is read) to its end. */
  private readonly launched = new Set<string>();
  private readonly reclaimed = new Set<string>();
  private readonly waiters = new Map<string, ((outcome?: RunOutcome) => void)[]>();
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly maxConcurrent: number;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private tickAgain = false;
  private failures = 0;
  private accepting = false;
  private drained: (() => void) | undefined;
  private readonly scheduler: Scheduler;
  private readonly queues: ReadonlyMap<string, { concurrency: number; perSecond: number }>;
  private stopListening: (() => Promise<void>) | undefined;
  /** Counts runs that end here, when the app records metrics. */
  private readonly ended: Counter | undefined;

  constructor(private readonly options: EngineOptions) {
    this.owner = options.owner ?? newId();
    this.journal = new Journal(options.store);
    this.clock = options.clock ?? systemClock;
    this.logger = options.app.logger.child({ component: "workflow-engine", owner: this.owner });
    this.workflows = new Map(options.workflows.map((w) => [w.name, w]));
    this.leaseMs = options.leaseMs ?? 15_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.maxConcurrent = options.maxConcurrent ?? 256;
    // Nudges and launches come from callers' async contexts — a handler's open transaction among
    // them — and the store would put the engine's statements in that transaction: they run in the
    // engine's own context instead.
    this.nudge = AsyncResource.bind(this.nudge.bind(this));
    this.launch = AsyncResource.bind(this.launch.bind(this));
    this.clock.onAdvance?.(() => this.nudge());
    this.scheduler = new Scheduler(
      options.store,
      options.workflows,
      (workflow, input, id) => this.startRun(workflow, input, { id }),
      this.logger,
    );
    const queues = new Map<string, { concurrency: number; perSecond: number }>();
    for (const w of options.workflows) {
      if (w.queue === undefined) continue;
      const known = queues.get(w.queue.name);
      queues.set(w.queue.name, {
        concurrency: Math.min(
          known?.concurrency ?? Number.MAX_SAFE_INTEGER,
          w.queue.concurrency ?? Number.MAX_SAFE_INTEGER,
        ),
        perSecond: Math.min(
          known?.perSecond ?? Number.MAX_SAFE_INTEGER,
          w.queue.perSecond ?? Number.MAX_SAFE_INTEGER,
        ),
      });
    }
    this.queues = queues;
    this.ended = metricsOf(options.app)?.counter(
      "weft_workflow_runs_total",
      "Workflow runs that ended in this process, by workflow and final status.",
      ["workflow", "status"],
    );
  }

  /** Begins claiming and executing runs. */
  async start(): Promise<void> {
    if (this.options.execute === false) return;
    await this.scheduler.init(this.clock.now());
    // On PostgreSQL, other processes' starts, signals and cancels arrive by NOTIFY at once; after
    // a reconnect, a catch-up tick claims whatever became runnable meanwhile.
    const listen = (this.options.store as { listen?: ListenFn }).listen;
    if (typeof listen === "function") {
      this.stopListening = await listen.call(
        this.options.store,
        notifyChannel(this.options.store),
        () => this.nudge(),
        {
          onReconnect: () => this.nudge(),
        },
      );
    }
    this.accepting = true;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), Math.max(50, this.leaseMs / 3));
    this.pollTimer = setInterval(() => this.nudge(), this.pollMs);
    this.heartbeatTimer.unref();
    this.pollTimer.unref();
    this.nudge();
  }

  /** Looks for runnable runs soon (a run was started, woken or freed capacity). */
  nudge(): void {
    if (!this.accepting) return;
    if (this.ticking) {
      this.tickAgain = true;
      return;
    }
    void this.tick();
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    try {
      do {
        this.tickAgain = false;
        const room = this.maxConcurrent - this.executing.size;
        if (room <= 0 || !this.accepting) break;
        const now = this.clock.now();
        await this.scheduler.fireDue(now);
        const runs = await this.journal.claim(this.owner, now, this.leaseMs, Math.min(room, 64));
        for (const [queue, limits] of this.queues) {
          const left = room - runs.length;
          if (left <= 0) break;
          runs.push(
            ...(await this.journal.claimQueue(queue, limits, this.owner, now, this.leaseMs, left)),
          );
        }
        this.failures = 0;
        for (const run of runs) this.launch(run);
        if (runs.length >= Math.min(room, 64)) this.tickAgain = true;
      } while (this.tickAgain && this.accepting);
      await this.scheduleWake();
    } catch (error) {
      this.failures += 1;
      const backoff = Math.min(30_000, 100 * 2 ** Math.min(this.failures, 8));
      this.logger.warn({ err: error, backoffMs: backoff }, "claiming runs failed; backing off");
      setTimeout(() => this.nudge(), backoff).unref();
    } finally {
      this.ticking = false;
    }
  }

  /** Arms one timer for the earliest sleeping run (no polling for timers). */
  private async scheduleWake(): Promise<void> {
    const [wake, fire] = await Promise.all([this.journal.nextWake(), this.scheduler.next()]);
    const at = wake === undefined ? fire : fire === undefined ? wake : Math.min(wake, fire);
    clearTimeout(this.wakeTimer);
    if (at === undefined || !this.accepting) return;
    const delay = Math.max(0, Math.min(at - this.clock.now(), 2 ** 31 - 1));
    if (delay >= this.pollMs) return; // the poll will see it first
    this.wakeTimer = setTimeout(() => this.nudge(), delay);
    this.wakeTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.executing.size === 0) return;
    try {
      const ids = [...this.executing.keys()];
      const rows = await this.journal.heartbeat(this.owner, ids, this.clock.now(), this.leaseMs);
      for (const row of rows) {
        const execution = this.executing.get(row.id);
        if (execution !== undefined && row.cancel_requested === 1) execution.cancelRequested = true;
      }
    } catch (error) {
      this.logger.warn({ err: error }, "lease heartbeat failed");
    }
  }

  /** Validates input and records a run; executes it here when there is room. */
  async startRun(
    workflow: AnyWorkflow,
    input: unknown,
    options: { id?: string; parentId?: string; origin?: RunOrigin } = {},
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
    // Started inside a transaction, the run exists only once that commits: a worker claims it then.
    const here =
      this.accepting &&
      this.executing.size < this.maxConcurrent &&
      known.queue === undefined &&
      !this.options.store.inTransaction();
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
    if (await this.journal.insertRun(row)) {
      if (here) this.launch(row, true);
      else {
        this.nudge();
        await this.notifyOthers();
      }
      return { id, created: true };
    }
    const existing = await this.journal.getRun(id);
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
      const run = await this.journal.getRun(id);
      const active = run?.status === "running" || run?.status === "compensating";
      if (run !== undefined && active && run.owner === this.owner && this.accepting) {
        this.launch(run);
      }
    } catch (error) {
      this.logger.warn({ err: error, runId: id }, "could not resume a reclaimed run");
    }
  }

  /** Executes a run; a `fresh` one (just inserted here) has an empty journal: no read. */
  private async execute(run: RunRow, fresh = false): Promise<void> {
    const definition = this.workflows.get(run.workflow);
    if (definition === undefined) {
      await this.finish(
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
      const steps = fresh ? [] : await this.journal.steps(run.id);
      execution = new Execution(this, run, definition, steps);
      this.executing.set(run.id, execution);
      await this.drive(execution);
    } catch (error) {
      // A store failure mid-run: the lease lapses and the run is claimed again (here or elsewhere).
      this.logger.warn(
        { err: error, runId: run.id },
        "a run's execution stopped on an error; it will be resumed",
      );
    } finally {
      // Claim more only if this worker was full: otherwise work waiting elsewhere was already
      // claimed (or is announced by the poll, NOTIFY or a wake timer).
      const wasFull = this.executing.size >= this.maxConcurrent;
      if (execution !== undefined) this.executing.delete(run.id);
      if (this.executing.size === 0) this.drained?.();
      if (wasFull) this.nudge();
    }
  }

  /** Runs the workflow function against the journal and writes what came of it. */
  private async drive(execution: Execution): Promise<void> {
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
  private async finish(
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
    this.ended?.inc({ workflow: workflow ?? "", status });
    if (parentId !== null) {
      await this.journal.wake(parentId, now);
      this.nudge();
    }
    this.notify(id, { status, output, error });
  }

  private notify(id: string, outcome: RunOutcome): void {
    const waiting = this.waiters.get(id);
    this.waiters.delete(id);
    for (const resolve of waiting ?? []) resolve(outcome);
  }

  /**
   * Resolves when the run ends. A run ending in this process resolves its waiters with the outcome
   * at once (no read); a run elsewhere is seen by reading the store with a growing interval.
   */
  async waitFor(id: string, timeoutMs: number): Promise<RunOutcome> {
    const deadline = Date.now() + timeoutMs;
    let delay = 20;
    for (;;) {
      // Register before reading, so an end between the read and the wait is not missed.
      let told: RunOutcome | undefined;
      let wake: () => void = () => {};
      const tell = (outcome?: RunOutcome) => {
        told = outcome;
        wake();
      };
      const list = this.waiters.get(id) ?? [];
      list.push(tell);
      this.waiters.set(id, list);
      const forget = () => {
        const current = this.waiters.get(id);
        const at = current?.indexOf(tell) ?? -1;
        if (current !== undefined && at >= 0) current.splice(at, 1);
        if (current?.length === 0) this.waiters.delete(id);
      };
      const run = await this.journal.getRun(id);
      if (told !== undefined) return told;
      if (run === undefined) {
        forget();
        throw notFound("RUN_NOT_FOUND", `no run ${id}`, { metadata: { runId: id } });
      }
      if (FINAL_STATUSES.has(run.status)) {
        forget();
        return {
          status: run.status,
          output: decodeJson(run.output, `run ${id} output`),
          error:
            run.error === null
              ? undefined
              : errorFromWire(decodeJson(run.error, `run ${id} error`)),
        };
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        forget();
        throw failedPrecondition("RUN_NOT_FINISHED", `run ${id} is still ${run.status}`, {
          metadata: { runId: id, status: run.status },
        });
      }
      // A run executing here is told when it ends (read again after 1 s in case it suspends and
      // ends elsewhere); others are read again after a growing `delay`.
      const poll = Math.min(this.executing.has(id) ? 1000 : delay, left);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, poll);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
        if (told !== undefined) wake();
      });
      forget();
      if (told !== undefined) return told;
      delay = Math.min(delay * 2, 1000);
    }
  }

  /** Stops claiming; waits for executions to end or halt, until `deadline`. */
  async drain(deadline: number): Promise<void> {
    this.accepting = false;
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    if (this.executing.size === 0) return;
    await Promise.race([
      new Promise<void>((resolve) => {
        this.drained = resolve;
      }),
      new Promise<void>((resolve) =>
        setTimeout(resolve, Math.max(0, deadline - Date.now())).unref(),
      ),
    ]);
  }

  /** Tells other processes (PostgreSQL NOTIFY) that runnable work appeared. */
  async notifyOthers(): Promise<void> {
    if (this.options.store.dialect !== "postgres") return;
    await this.options.store
      .execute(sql`select pg_notify(${notifyChannel(this.options.store)}, '')`)
      .catch(() => {});
  }

  /** Gives up the leases still held, so other workers resume those runs at once. */
  async stop(): Promise<void> {
    this.accepting = false;
    await this.stopListening?.().catch(() => {});
    clearInterval(this.heartbeatTimer);
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
    try {
      await this.journal.release(this.owner, this.clock.now());
    } catch (error) {
      this.logger.warn({ err: error }, "could not release leases; they expire by themselves");
    }
  }

  /** The definition this worker has for workflow `name`. */
  workflow(name: string): AnyWorkflow | undefined {
    return this.workflows.get(name);
  }

  /** Runs executing in this process. */
  get running(): number {
    return this.executing.size;
  }

  publish(
    runId: string,
    seq: number,
    index: number,
    topic: TopicLike,
    event: unknown,
    options: PublishOptions | undefined,
  ): Promise<Published> {
    try {
      const publisher = this.options.app.use(PUBLISHER);
      const publishOptions = { ...options, id: options?.id ?? stepEventId(runId, seq, index) };
      // In the run's trace, as the service that started it (like its steps' calls): a span of
      // its own, whose position the event carries to its subscribers.
      const run = this.executing.get(runId)?.run;
      const traceparent = run?.traceparent ?? undefined;
      if (run?.caller == null || traceparent === undefined)
        return publisher.publish(undefined, topic, event, publishOptions);
      return this.options.app.perform(
        run.caller,
        `publish ${topic.name}`,
        (ctx) => publisher.publish(ctx, topic, event, publishOptions),
        { admitted: true, metadata: { "weft-run": runId }, traceparent },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  client<C extends AnyContract>(contract: C, runId: string, step: string): Client<C> {
    const run = this.executing.get(runId)?.run;
    const metadata = { "weft-run": runId, "weft-step": step };
    const traceparent = run?.traceparent ?? undefined;
    const caller = run?.caller ?? undefined;
    const app = this.options.app;
    if (caller === undefined) {
      return app.client(contract, {
        admitted: true,
        metadata,
        ...(traceparent === undefined ? {} : { traceparent }),
      });
    }
    // The run was started by a service's handler: its steps' calls are that service's work, in
    // the trace of the call that started the run (a trace and a topology that show who called).
    const client: Record<string, unknown> = {};
    for (const method of Object.keys(contract.methods)) {
      client[method] = (input: unknown, callOptions?: CallOptions) =>
        app.perform(
          caller,
          `step ${step}`,
          (ctx) =>
            (
              ctx.client(contract) as Record<
                string,
                (i: unknown, o?: CallOptions) => Promise<unknown>
              >
            )[method]?.(input, callOptions) as Promise<unknown>,
          { admitted: true, metadata, ...(traceparent === undefined ? {} : { traceparent }) },
        );
    }
    return client as Client<C>;
  }

  stepTransaction<T>(
    runId: string,
    seq: number,
    index: number,
    fn: (tx: TxHandle) => Promise<T>,
  ): Promise<T> {
    return this.options.store.transaction(async (tx) => {
      const rows = await tx.query<{ output: string | null }>(sql`
        select output from weft_step_tx where run_id = ${runId} and seq = ${seq} and tx = ${index}`);
      if (rows[0] !== undefined)
        return decodeJson(rows[0].output, `run ${runId} step #${seq} tx ${index}`) as T;
      const value = await fn(tx);
      await tx.execute(sql`
        insert into weft_step_tx (run_id, seq, tx, output)
        values (${runId}, ${seq}, ${index}, ${encodeJson(value, "transaction result")})`);
      return value;
    });
  }

  async startChild(
    workflow: AnyWorkflow,
    input: unknown,
    id: string,
    parentId: string,
  ): Promise<void> {
    await this.startRun(workflow, input, { id, parentId });
  }

  uuid(): string {
    return newId();
  }
}
