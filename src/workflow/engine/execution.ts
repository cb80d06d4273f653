/**
 * One execution of a run: the workflow function replayed against the journal. Every operation
 * takes the next sequence number; if the journal has an entry there, its recorded result is
 * returned (and its name and kind must match: otherwise the code changed under the run, and the
 * execution halts with NONDETERMINISM naming the run and step). Past the journal's end,
 * operations run and are recorded. Waiting (sleep, signal, child) halts the execution: the run is
 * unloaded and replayed when it wakes, so sleeping runs hold no memory.
 */
import {
  type AnyContract,
  type CallOptions,
  type Client,
  cancelled,
  type Duration,
  deadlineExceeded,
  errorFromWire,
  errorToWire,
  failedPrecondition,
  type MethodMap,
  normalizeError,
  type StandardSchemaV1,
  toMilliseconds,
  validate,
  type WeftError,
} from "../../core/index.js";
import { type SqlFragment, sql } from "../../store/index.js";
import type {
  AnyWorkflow,
  ChildOptions,
  SignalOptions,
  StepContext,
  StepOptions,
  WorkflowContext,
} from "../authoring/types.js";
import { requestCancel } from "./cancel.js";
import type { ExecutionHost } from "./host.js";
import type { RunRow, StepRow } from "./journal.js";
import { decodeJson, encodeJson, roundTrip } from "./json.js";
import { runStep } from "./step-runner.js";

/** Why an execution stopped without an outcome of the workflow function. */
export type Halt =
  | { kind: "suspend"; wakeAt: number | null; wakeNow: SqlFragment }
  | { kind: "lease-lost" }
  | { kind: "store-error"; error: unknown }
  | { kind: "fail"; error: WeftError };

/** A compensation registered by a completed step. */
interface Compensation {
  readonly step: string;
  readonly run: (ctx: StepContext) => Promise<unknown>;
}

// A fresh promise per halt: a shared one would keep every halted run's closures alive forever.
const never = () => new Promise<never>(() => {});
const FINAL = sql`'completed', 'failed', 'compensated', 'cancelled'`;

/** A recorded result, as an op gives it back. */
type Recorded = { ok: true; value: unknown } | { ok: false; error: WeftError };

/** One execution of one run. */
export class Execution implements WorkflowContext {
  readonly runId: string;
  readonly workflow: string;
  readonly version: string;
  readonly logger;
  seq = 0;
  cancelRequested: boolean;
  private cancelDelivered = false;
  readonly compensations: Compensation[] = [];
  private halted: Halt | undefined;
  private onHalt: ((halt: Halt) => void) | undefined;
  /** Resolves when the execution halts. */
  readonly halt: Promise<Halt>;
  private inFlight = 0;
  private idle: (() => void) | undefined;
  private readonly journal: Map<number, StepRow>;
  /** Forced replay (`replayAll`): only what the journal has; anything new halts with NONDETERMINISM. */
  private readonly replayOnly: boolean;

  constructor(
    private readonly host: ExecutionHost,
    readonly run: RunRow,
    readonly definition: AnyWorkflow,
    steps: readonly StepRow[],
    options: { readonly replayOnly?: boolean } = {},
  ) {
    this.runId = run.id;
    this.workflow = run.workflow;
    this.version = run.version;
    this.logger = host.logger.child({ runId: run.id, workflow: run.workflow });
    this.replayOnly = options.replayOnly === true;
    this.cancelRequested = run.cancel_requested === 1 && !this.replayOnly;
    this.journal = new Map(steps.map((s) => [s.seq, s]));
    this.halt = new Promise((resolve) => {
      this.onHalt = resolve;
    });
  }

  /** Entries of the journal at or after `seq` (left over when the code asked for fewer). */
  unconsumed(from: number): StepRow[] {
    return [...this.journal.values()].filter((s) => s.seq >= from);
  }

  /** Stops the execution; later operations never settle. */
  stop(halt: Halt): Promise<never> {
    if (this.halted === undefined) {
      this.halted = halt;
      this.onHalt?.(halt);
    }
    return never();
  }

  /** Resolves when no operation is running (before a suspension is written). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idle = resolve;
    });
  }

  private recorded(seq: number, kind: string, name: string): Recorded | undefined {
    const entry = this.journal.get(seq);
    if (entry === undefined) return undefined;
    if (entry.kind !== kind || entry.name !== name) {
      const error = failedPrecondition(
        "NONDETERMINISM",
        `run ${this.runId} of ${this.workflow}: step #${seq} is ${entry.kind} "${entry.name}" in the journal, but the code now asks for ${kind} "${name}" (was the workflow changed without wf.patched?)`,
        {
          metadata: { runId: this.runId, seq: String(seq), recorded: entry.name, requested: name },
        },
      );
      throw error;
    }
    const where = `run ${this.runId} step #${seq} (${name})`;
    return entry.ok === 1
      ? { ok: true, value: decodeJson(entry.output, where) }
      : { ok: false, error: errorFromWire(decodeJson(entry.error, where)) };
  }

  /** Writes an entry; halts (lease lost) if this worker no longer owns the run. */
  private async record(
    seq: number,
    kind: string,
    name: string,
    result: Recorded,
    startedAt: number,
    attempts = 1,
  ) {
    const step = {
      run_id: this.runId,
      seq,
      name,
      kind,
      ok: result.ok ? 1 : 0,
      output: result.ok ? encodeJson(result.value, `${name} result`) : null,
      error: result.ok ? null : encodeJson(errorToWire(result.error), `${name} error`),
      started_at: startedAt,
      ended_at: this.host.clock.now(),
      attempts,
    };
    let written: boolean;
    try {
      written = await this.host.journal.recordStep(step, this.host.owner);
    } catch (error) {
      // The store failed, not the workflow: its code must not see this. The run resumes from
      // its journal (the step runs again: its result was not recorded).
      return this.stop({ kind: "store-error", error });
    }
    if (!written) await this.stop({ kind: "lease-lost" });
  }

  /** The shape of every operation: replay if recorded, else check cancellation, run and record. */
  private async op(
    kind: string,
    name: string,
    execute: (seq: number) => Promise<Recorded & { attempts?: number }>,
  ) {
    if (this.halted !== undefined) return never();
    const seq = this.seq++;
    let replay: Recorded | undefined;
    try {
      replay = this.recorded(seq, kind, name);
    } catch (error) {
      return this.stop({ kind: "fail", error: normalizeError(error) });
    }
    if (replay === undefined && this.replayOnly) {
      return this.stop({
        kind: "fail",
        error: failedPrecondition(
          "NONDETERMINISM",
          `run ${this.runId} of ${this.workflow}: the code asks for ${kind} "${name}" at step #${seq}, past the end of the recorded journal`,
          { metadata: { runId: this.runId, seq: String(seq), requested: name } },
        ),
      });
    }
    if (replay === undefined && this.cancelRequested && !this.cancelDelivered) {
      throw await this.deliverCancel(seq, name);
    }
    if (replay !== undefined) {
      if (!replay.ok && replay.error.code === "CANCELLED") this.cancelDelivered = true;
      if (replay.ok) return replay.value;
      throw replay.error;
    }
    this.inFlight += 1;
    try {
      const startedAt = this.host.clock.now();
      const result = await execute(seq);
      await this.record(seq, kind, name, result, startedAt, result.attempts);
      if (result.ok) return result.value;
      throw result.error;
    } finally {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idle?.();
    }
  }

  /**
   * A cancelled run stops waiting: where its wait would suspend, the cancel is recorded and thrown
   * instead (suspended, the run would be woken at once, again and again). `replayWaitCancel`
   * finds that entry on replay and throws at the same point, whether or not the wait is over.
   */
  private async cancelWait(name: string): Promise<void> {
    if (!this.cancelRequested || this.cancelDelivered || this.journal.has(this.seq)) return;
    throw await this.deliverCancel(this.seq++, name);
  }

  /**
   * Records the cancel at `seq` and returns the error to throw. Children started just as the
   * cancel was requested were not flagged with the run: flag them (and theirs) now.
   */
  private async deliverCancel(seq: number, name: string): Promise<WeftError> {
    this.cancelDelivered = true;
    const error = cancelled("RUN_CANCELLED", `run ${this.runId} was cancelled`);
    const now = this.host.clock.now();
    await this.record(seq, "cancel", name, { ok: false, error }, now);
    await requestCancel(this.host.journal.store, this.runId, now);
    return error;
  }

  /** Throws the cancel that ended the wait `name`, if the journal has it here. */
  private replayWaitCancel(name: string): void {
    const entry = this.journal.get(this.seq);
    if (entry?.kind === "cancel" && entry.name === name) this.checkCancelEntry();
  }

  /** Checks a cancel entry replayed in place of an op (a cancel recorded at this seq). */
  private checkCancelEntry(): void {
    const entry = this.journal.get(this.seq);
    if (entry?.kind === "cancel") {
      this.seq += 1;
      this.cancelDelivered = true;
      throw cancelled("RUN_CANCELLED", `run ${this.runId} was cancelled`);
    }
  }

  async step<T>(
    name: string,
    fn: (ctx: StepContext) => Promise<T>,
    options?: StepOptions<T>,
  ): Promise<T> {
    this.checkCancelEntry();
    const value = (await this.op("step", name, async (seq) => {
      const r = await runStep(
        this.host,
        { runId: this.runId, workflow: this.workflow, step: name, seq },
        fn,
        options as StepOptions<unknown>,
      );
      return r.ok ? { ok: true, value: roundTrip(r.value, name), attempts: r.attempts } : r;
    })) as T;
    if (options?.compensate !== undefined) {
      const compensate = options.compensate;
      this.compensations.push({ step: name, run: (ctx) => compensate(ctx, value) });
    }
    return value;
  }

  /** Runs the registered compensations, newest first; returns the first that failed, if any. */
  async compensate(): Promise<{ step: string; error: WeftError } | undefined> {
    for (const c of [...this.compensations].reverse()) {
      try {
        await this.op("compensation", `compensate:${c.step}`, async (seq) => {
          const r = await runStep(
            this.host,
            { runId: this.runId, workflow: this.workflow, step: `compensate:${c.step}`, seq },
            c.run,
            { retry: { attempts: 5 } },
          );
          return r.ok ? { ok: true, value: roundTrip(r.value, c.step), attempts: r.attempts } : r;
        });
      } catch (error) {
        return { step: c.step, error: normalizeError(error) };
      }
    }
    return undefined;
  }

  async sleep(name: string, duration: Duration): Promise<void> {
    this.checkCancelEntry();
    const ms = toMilliseconds(duration, "duration");
    const { until } = (await this.op("sleep", name, async () => ({
      ok: true,
      value: { until: this.host.clock.now() + ms },
    }))) as { until: number };
    this.replayWaitCancel(name);
    if (this.host.clock.now() >= until) return;
    await this.cancelWait(name);
    await this.settled();
    return this.stop({ kind: "suspend", wakeAt: until, wakeNow: sql`false` });
  }

  async signal<S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    options: SignalOptions<S> = {},
  ): Promise<S extends StandardSchemaV1 ? import("../../core/index.js").InferOut<S> : unknown> {
    this.checkCancelEntry();
    const timeoutMs =
      options.timeout === undefined ? undefined : toMilliseconds(options.timeout, "timeout");
    const { until } = (await this.op("signal-wait", name, async () => ({
      ok: true,
      value: { until: timeoutMs === undefined ? null : this.host.clock.now() + timeoutMs },
    }))) as { until: number | null };
    this.replayWaitCancel(name);
    const seq = this.seq;
    const replay = this.journalResult(seq, "signal", name);
    const payload = replay ?? (this.replayOnly ? undefined : await this.consumeSignal(seq, name));
    if (payload !== undefined) {
      if (replay === undefined) this.seq += 1;
      if (this.halted !== undefined) return never();
      const value = payload.value;
      // On replay too: the workflow must see the same (validated, transformed) value every time.
      if (options.schema !== undefined) {
        return (await validate(options.schema, value, {
          code: "INVALID_ARGUMENT",
          reason: "SIGNAL_INVALID",
          subject: `signal ${name}`,
        })) as never;
      }
      return value as never;
    }
    if (until !== null && this.host.clock.now() >= until) {
      return (await this.op("signal", name, async () => ({
        ok: false,
        error: deadlineExceeded(
          "SIGNAL_TIMEOUT",
          `no signal "${name}" arrived in time for run ${this.runId}`,
        ),
      }))) as never;
    }
    await this.cancelWait(name);
    await this.settled();
    return this.stop({
      kind: "suspend",
      wakeAt: until,
      wakeNow: sql`exists (select 1 from weft_signals where run_id = ${this.runId} and name = ${name} and consumed_seq is null)`,
    });
  }

  /** Replays the entry at `seq` if it is recorded (consuming it), else undefined. */
  private journalResult(seq: number, kind: string, name: string): { value: unknown } | undefined {
    let replay: Recorded | undefined;
    try {
      replay = this.recorded(seq, kind, name);
    } catch (error) {
      this.stop({ kind: "fail", error: normalizeError(error) });
      return { value: never() };
    }
    if (replay === undefined) return undefined;
    this.seq += 1;
    // Wrapped: a recorded `undefined` (a signal without payload, a void child) is still recorded.
    if (replay.ok) return { value: replay.value };
    throw replay.error;
  }

  /** Takes the oldest waiting signal and records it at `seq` in one transaction. */
  private async consumeSignal(seq: number, name: string): Promise<{ value: unknown } | undefined> {
    const now = this.host.clock.now();
    return this.host.journal.store.transaction(async (tx) => {
      const rows = await tx.query<{ id: string; payload: string | null }>(sql`
        select id, payload from weft_signals
        where run_id = ${this.runId} and name = ${name} and consumed_seq is null
        order by created_at, id limit 1`);
      const row = rows[0];
      if (row === undefined) return undefined;
      const owned = await tx.execute(sql`
        insert into weft_steps (run_id, seq, name, kind, ok, output, error, started_at, ended_at, attempts)
        select ${this.runId}, ${seq}, ${name}, 'signal', 1, ${row.payload}, null, ${now}, ${now}, 1
        where exists (select 1 from weft_runs where id = ${this.runId} and owner = ${this.host.owner})`);
      if (owned.rowCount !== 1) return undefined;
      await tx.execute(sql`update weft_signals set consumed_seq = ${seq} where id = ${row.id}`);
      return { value: decodeJson(row.payload, `signal ${name}`) };
    });
  }

  async now(): Promise<number> {
    this.checkCancelEntry();
    return (await this.op("now", "now", async () => ({
      ok: true,
      value: this.host.clock.now(),
    }))) as number;
  }

  async random(): Promise<number> {
    this.checkCancelEntry();
    return (await this.op("random", "random", async () => ({
      ok: true,
      value: Math.random(),
    }))) as number;
  }

  async uuid(): Promise<string> {
    this.checkCancelEntry();
    return (await this.op("uuid", "uuid", async () => ({
      ok: true,
      value: this.host.uuid(),
    }))) as string;
  }

  async child<W extends AnyWorkflow>(
    workflow: W,
    input: unknown,
    options: ChildOptions = {},
  ): Promise<never> {
    this.checkCancelEntry();
    const { childId } = (await this.op("child-start", workflow.name, async (seq) => {
      const id = options.id ?? `${this.runId}.${seq}`;
      await this.host.startChild(workflow, input, id, this.runId);
      return { ok: true, value: { childId: id } };
    })) as { childId: string };
    this.replayWaitCancel(workflow.name);
    const seq = this.seq;
    const replay = this.journalResult(seq, "child", workflow.name);
    if (replay !== undefined) return replay.value as never;
    const child = await this.host.journal.getRun(childId);
    if (
      child !== undefined &&
      ["completed", "failed", "compensated", "cancelled"].includes(child.status)
    ) {
      return (await this.op("child", workflow.name, async () =>
        child.status === "completed"
          ? { ok: true, value: decodeJson(child.output, `child ${childId}`) }
          : { ok: false, error: errorFromWire(decodeJson(child.error, `child ${childId}`)) },
      )) as never;
    }
    await this.cancelWait(workflow.name);
    await this.settled();
    return this.stop({
      kind: "suspend",
      wakeAt: null,
      wakeNow: sql`exists (select 1 from weft_runs c where c.id = ${childId} and c.status in (${FINAL}))`,
    });
  }

  client<C extends AnyContract>(contract: C): Client<C> {
    const client: Record<string, unknown> = {};
    for (const [method, spec] of Object.entries(contract.methods as MethodMap)) {
      client[method] = (input: unknown, options?: CallOptions) =>
        this.step(
          `${contract.name}.${method}`,
          (ctx) =>
            (
              ctx.client(contract) as Record<
                string,
                (i: unknown, o?: CallOptions) => Promise<unknown>
              >
            )[method]?.(input, options) as Promise<unknown>,
          { retry: spec.idempotent ? {} : false },
        );
    }
    return client as Client<C>;
  }

  patched(id: string): boolean {
    const entry = this.journal.get(this.seq);
    if (entry !== undefined) {
      if (entry.kind === "patch" && entry.name === id) {
        this.seq += 1;
        return true;
      }
      return false;
    }
    // A run that completed without passing here with the patch took the old path.
    if (this.replayOnly) return false;
    const seq = this.seq++;
    const now = this.host.clock.now();
    this.inFlight += 1;
    void this.record(seq, "patch", id, { ok: true, value: true }, now).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) this.idle?.();
    });
    return true;
  }
}
