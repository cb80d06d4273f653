/**
 * An execution's place in its run's journal. Every operation takes the next sequence number; if
 * the journal has an entry there, its recorded result is returned (and its name and kind must
 * match: otherwise the code changed under the run, and the execution halts with NONDETERMINISM
 * naming the run and step). Past the journal's end, operations run and are recorded, and a
 * requested cancel is delivered as the next operation's failure. Halting (a suspension, a lost
 * lease, a store error) ends the execution: later operations never settle.
 */
import {
  cancelled,
  errorFromWire,
  errorToWire,
  failedPrecondition,
  normalizeError,
  type WeftError,
} from "../../core/index.js";
import type { SqlFragment } from "../../store/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import { requestCancel } from "./cancel.js";
import type { ExecutionHost } from "./host.js";
import type { RunRow, StepRow } from "./journal.js";
import { decodeJson, encodeJson } from "./json.js";

/** Why an execution stopped without an outcome of the workflow function. */
export type Halt =
  | { kind: "suspend"; wakeAt: number | null; wakeNow: SqlFragment }
  | { kind: "lease-lost" }
  | { kind: "store-error"; error: unknown }
  | { kind: "fail"; error: WeftError };

/**
 * A promise that never settles. A fresh one per halt: a shared one would keep every halted run's
 * closures alive forever.
 */
export const never = () => new Promise<never>(() => {});

/** A recorded result, as an op gives it back. */
export type Recorded = { ok: true; value: unknown } | { ok: false; error: WeftError };

/** The journal side of one execution of one run: replay, record, cancel, halt. */
export class JournalCursor {
  readonly runId: string;
  readonly workflow: string;
  readonly version: string;
  readonly logger;
  seq = 0;
  cancelRequested: boolean;
  protected cancelDelivered = false;
  protected halted: Halt | undefined;
  private onHalt: ((halt: Halt) => void) | undefined;
  /** Resolves when the execution halts. */
  readonly halt: Promise<Halt>;
  protected inFlight = 0;
  protected idle: (() => void) | undefined;
  protected readonly journal: Map<number, StepRow>;
  /** Forced replay (`replayAll`): only what the journal has; anything new halts with NONDETERMINISM. */
  protected readonly replayOnly: boolean;

  constructor(
    protected readonly host: ExecutionHost,
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

  protected recorded(seq: number, kind: string, name: string): Recorded | undefined {
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
  protected async record(
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
  protected async op(
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
  protected async cancelWait(name: string): Promise<void> {
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
  protected replayWaitCancel(name: string): void {
    const entry = this.journal.get(this.seq);
    if (entry?.kind === "cancel" && entry.name === name) this.checkCancelEntry();
  }

  /** Checks a cancel entry replayed in place of an op (a cancel recorded at this seq). */
  protected checkCancelEntry(): void {
    const entry = this.journal.get(this.seq);
    if (entry?.kind === "cancel") {
      this.seq += 1;
      this.cancelDelivered = true;
      throw cancelled("RUN_CANCELLED", `run ${this.runId} was cancelled`);
    }
  }

  /** Replays the entry at `seq` if it is recorded (consuming it), else undefined. */
  protected journalResult(seq: number, kind: string, name: string): { value: unknown } | undefined {
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
