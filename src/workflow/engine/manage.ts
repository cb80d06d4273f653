/**
 * The management side of the journal, for the CLI, the dashboard and operators: list and inspect
 * runs with their step history, send signals, cancel, resume a failed run, retry from a step, and
 * delete old finished runs (retention).
 */
import {
  errorFromWire,
  failedPrecondition,
  invalidArgument,
  normalizeError,
  notFound,
  type WeftError,
} from "../../core/index.js";
import { type Store, sql } from "../../store/index.js";
import { requestCancel } from "./cancel.js";
import { newId } from "./ids.js";
import type { RunRow, StepRow } from "./journal.js";
import { decodeJson, encodeJson } from "./json.js";
import { FINAL_STATUSES, RUN_STATUSES, type RunStatus } from "./schema.js";

/** A run as the management API shows it. */
export interface RunSummary {
  readonly id: string;
  readonly workflow: string;
  readonly version: string;
  readonly status: RunStatus;
  readonly parentId: string | undefined;
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly completedAt: number | undefined;
  readonly wakeAt: number | undefined;
  readonly error: WeftError | undefined;
}

/** One recorded step. */
export interface StepRecord {
  readonly seq: number;
  readonly name: string;
  /** step, sleep, signal-wait, signal, child-start, child, now, random, uuid, patch, cancel, compensation */
  readonly kind: string;
  readonly ok: boolean;
  readonly output: unknown;
  readonly error: WeftError | undefined;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly attempts: number;
}

/** A run with its input, output and step history. */
export interface RunDetails extends RunSummary {
  readonly input: unknown;
  readonly output: unknown;
  readonly steps: readonly StepRecord[];
}

/** Filters of `list`. */
export interface RunFilter {
  readonly status?: RunStatus | readonly RunStatus[];
  readonly workflow?: string;
  readonly version?: string;
  /** Created at or after (epoch ms). */
  readonly from?: number;
  /** Created before (epoch ms). */
  readonly to?: number;
  /** Most runs returned, newest first. Default 100, at most 1000. */
  readonly limit?: number;
}

function summary(row: RunRow): RunSummary {
  return {
    id: row.id,
    workflow: row.workflow,
    version: row.version,
    status: row.status,
    parentId: row.parent_id ?? undefined,
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    completedAt: row.completed_at ?? undefined,
    wakeAt: row.wake_at ?? undefined,
    error:
      row.error === null ? undefined : errorFromWire(decodeJson(row.error, `run ${row.id} error`)),
  };
}

/**
 * A step as the API shows it. A damaged row is shown as what it is — not ok, with its DATA_LOSS
 * error — so the rest of the run's history stays readable.
 */
function stepRecord(row: StepRow): StepRecord {
  const where = `run ${row.run_id} step #${row.seq} (${row.name})`;
  let output: unknown;
  let error: WeftError | undefined;
  let ok = row.ok === 1;
  try {
    output = decodeJson(row.output, where);
    error = row.error === null ? undefined : errorFromWire(decodeJson(row.error, where));
  } catch (damage) {
    ok = false;
    output = undefined;
    error = normalizeError(damage);
  }
  return {
    seq: row.seq,
    name: row.name,
    kind: row.kind,
    ok,
    output,
    error,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    attempts: row.attempts,
  };
}

/** Management operations on one store's runs. */
export class Management {
  constructor(
    private readonly store: Store,
    private readonly now: () => number,
    private readonly nudge: () => void,
  ) {}

  private async run(id: string): Promise<RunRow> {
    const rows = await this.store.query<RunRow>(sql`select * from weft_runs where id = ${id}`);
    const row = rows[0];
    if (row === undefined)
      throw notFound("RUN_NOT_FOUND", `no run ${id}`, { metadata: { runId: id } });
    return row;
  }

  async get(id: string): Promise<RunDetails> {
    const row = await this.run(id);
    const steps = await this.store.query<StepRow>(
      sql`select * from weft_steps where run_id = ${id} order by seq`,
    );
    return {
      ...summary(row),
      input: decodeJson(row.input, `run ${id} input`),
      output: decodeJson(row.output, `run ${id} output`),
      steps: steps.map(stepRecord),
    };
  }

  async list(filter: RunFilter = {}): Promise<RunSummary[]> {
    const statuses =
      filter.status === undefined
        ? []
        : typeof filter.status === "string"
          ? [filter.status]
          : [...filter.status];
    for (const s of statuses) {
      if (!(RUN_STATUSES as readonly string[]).includes(s)) {
        throw invalidArgument(
          "INVALID_FILTER",
          `status must be one of ${RUN_STATUSES.join(", ")} (got ${s})`,
          {
            issues: [{ path: ["status"], message: `must be one of ${RUN_STATUSES.join(", ")}` }],
          },
        );
      }
    }
    const limit = Math.min(1000, Math.max(1, filter.limit ?? 100));
    const where = [sql`true`];
    if (statuses.length > 0)
      where.push(
        sql`status in (${sql.join(
          statuses.map((s) => sql`${s}`),
          sql`, `,
        )})`,
      );
    if (filter.workflow !== undefined) where.push(sql`workflow = ${filter.workflow}`);
    if (filter.version !== undefined) where.push(sql`version = ${filter.version}`);
    if (filter.from !== undefined) where.push(sql`created_at >= ${filter.from}`);
    if (filter.to !== undefined) where.push(sql`created_at < ${filter.to}`);
    const rows = await this.store.query<RunRow>(sql`
      select * from weft_runs where ${sql.join(where, sql` and `)}
      order by created_at desc, id desc limit ${limit}`);
    return rows.map(summary);
  }

  async signal(id: string, name: string, payload: unknown): Promise<void> {
    const row = await this.run(id);
    if (FINAL_STATUSES.has(row.status)) {
      throw failedPrecondition(
        "RUN_FINISHED",
        `run ${id} is ${row.status}; it takes no more signals`,
        { metadata: { runId: id } },
      );
    }
    const now = this.now();
    await this.store.transaction(async (tx) => {
      await tx.execute(sql`
        insert into weft_signals (id, run_id, name, payload, created_at)
        values (${newId()}, ${id}, ${name}, ${encodeJson(payload, "signal payload")}, ${now})`);
      await tx.execute(
        sql`update weft_runs set wake_at = ${now} where id = ${id} and status = 'sleeping'`,
      );
    });
    this.nudge();
  }

  /**
   * Asks a run and its unfinished descendants to stop: each sees `CANCELLED` at its next step and
   * runs its compensations. A finished run is refused (`RUN_FINISHED`, naming its status).
   */
  async cancel(id: string): Promise<void> {
    const row = await this.run(id);
    if (FINAL_STATUSES.has(row.status)) {
      throw failedPrecondition(
        "RUN_FINISHED",
        `run ${id} is ${row.status}; only a run that has not finished can be cancelled`,
        { metadata: { runId: id, status: row.status } },
      );
    }
    await requestCancel(this.store, id, this.now());
    this.nudge();
  }

  /** Runs a failed run again from its journal (after a fix was deployed). */
  async resume(id: string): Promise<void> {
    const row = await this.run(id);
    if (row.status !== "failed") {
      throw failedPrecondition(
        "RUN_NOT_FAILED",
        `run ${id} is ${row.status}; only failed runs resume`,
        { metadata: { runId: id } },
      );
    }
    const now = this.now();
    await this.store.transaction(async (tx) => {
      // A failed compensation is tried again: forget its failure.
      await tx.execute(
        sql`delete from weft_steps where run_id = ${id} and kind = 'compensation' and ok = 0`,
      );
      await tx.execute(sql`
        update weft_runs set status = 'pending', error = null, owner = null, lease_until = null,
          completed_at = null, updated_at = ${now}
        where id = ${id}`);
    });
    this.nudge();
  }

  /** Forgets the journal from the first step named `step` on, and runs the run again from there. */
  async retryFrom(id: string, step: string): Promise<void> {
    const row = await this.run(id);
    if (!FINAL_STATUSES.has(row.status) && row.status !== "sleeping") {
      throw failedPrecondition(
        "RUN_ACTIVE",
        `run ${id} is ${row.status}; retry from a step once it stopped`,
        { metadata: { runId: id } },
      );
    }
    const found = await this.store.query<{ seq: number }>(sql`
      select min(seq) as seq from weft_steps where run_id = ${id} and name = ${step}`);
    const seq = found[0]?.seq;
    if (seq === null || seq === undefined) {
      throw notFound("STEP_NOT_FOUND", `run ${id} has no step ${step}`, {
        metadata: { runId: id, step },
      });
    }
    const now = this.now();
    await this.store.transaction(async (tx) => {
      await tx.execute(sql`delete from weft_steps where run_id = ${id} and seq >= ${seq}`);
      await tx.execute(sql`delete from weft_step_tx where run_id = ${id} and seq >= ${seq}`);
      // Signals consumed by the forgotten part are handed out again when the run gets there.
      await tx.execute(sql`
        update weft_signals set consumed_seq = null where run_id = ${id} and consumed_seq >= ${seq}`);
      await tx.execute(sql`
        update weft_runs set status = 'pending', output = null, error = null, owner = null,
          lease_until = null, wake_at = null, cancel_requested = 0, completed_at = null, updated_at = ${now}
        where id = ${id}`);
    });
    this.nudge();
  }

  /** Deletes finished runs that ended before `before` (epoch ms), with their steps; returns how many. */
  async cleanup(before: number): Promise<number> {
    return this.store.transaction(async (tx) => {
      const old = sql`select id from weft_runs where completed_at < ${before} and status in ('completed', 'failed', 'compensated', 'cancelled')`;
      await tx.execute(sql`delete from weft_steps where run_id in (${old})`);
      await tx.execute(sql`delete from weft_step_tx where run_id in (${old})`);
      await tx.execute(sql`delete from weft_signals where run_id in (${old})`);
      const result = await tx.execute(sql`delete from weft_runs where id in (${old})`);
      return result.rowCount;
    });
  }
}
