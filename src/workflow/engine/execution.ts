/**
 * One execution of a run: the workflow function replayed against the journal (see
 * {@link JournalCursor}: every operation replays its recorded result or runs and is recorded).
 * Waiting (sleep, signal, child) halts the execution: the run is unloaded and replayed when it
 * wakes, so sleeping runs hold no memory.
 */
import {
  type AnyContract,
  type CallOptions,
  type Client,
  type Duration,
  deadlineExceeded,
  errorFromWire,
  type MethodMap,
  normalizeError,
  type StandardSchemaV1,
  toMilliseconds,
  validate,
  type WeftError,
} from "../../core/index.js";
import { sql } from "../../store/index.js";
import type {
  AnyWorkflow,
  ChildOptions,
  SignalOptions,
  StepContext,
  StepOptions,
  WorkflowContext,
} from "../authoring/types.js";
import { JournalCursor, never } from "./journal-cursor.js";
import { decodeJson, roundTrip } from "./json.js";
import { runStep } from "./step-runner.js";

export type { Halt } from "./journal-cursor.js";

/** A compensation registered by a completed step. */
interface Compensation {
  readonly step: string;
  readonly run: (ctx: StepContext) => Promise<unknown>;
}

const FINAL = sql`'completed', 'failed', 'compensated', 'cancelled'`;

/** One execution of one run. */
export class Execution extends JournalCursor implements WorkflowContext {
  readonly compensations: Compensation[] = [];

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
}
