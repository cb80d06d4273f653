/**
 * The engine's SQL: runs, steps, signals. Step records are written through a batcher: while one
 * write is in flight the next ones queue, then go in one statement (group commit across runs, no
 * timer, so an idle engine adds no latency). Every write on a run is fenced by its owner: a worker
 * that lost its lease cannot record anything for the run.
 */
import { type Queryable, type SqlFragment, type Store, sql } from "../../store/index.js";
import type { RunStatus } from "./schema.js";

/** A run as stored. */
export interface RunRow {
  id: string;
  workflow: string;
  version: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  parent_id: string | null;
  queue: string | null;
  owner: string | null;
  lease_until: number | null;
  wake_at: number | null;
  cancel_requested: number;
  attempts: number;
  created_at: number;
  started_at: number | null;
  updated_at: number;
  completed_at: number | null;
  /** The trace position of the call that started the run: its steps continue that trace. */
  traceparent?: string | null;
  /** The service whose handler started the run: its steps' calls are that service's. */
  caller?: string | null;
}

/** A recorded step as stored. */
export interface StepRow {
  run_id: string;
  seq: number;
  name: string;
  kind: string;
  ok: number;
  output: string | null;
  error: string | null;
  started_at: number;
  ended_at: number;
  attempts: number;
}

/** A step record to write. */
export type NewStep = Omit<StepRow, "run_id"> & { run_id: string };

interface Pending {
  step: NewStep;
  owner: string;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

/** Most step records in one statement. */
const MAX_BATCH = 200;

/** The engine's statements on one store. */
export class Journal {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(readonly store: Store) {}

  /**
   * Inserts a run; returns false when a run with this id exists already. On `db`: an open
   * transaction's handle, or the store.
   */
  async insertRun(row: RunRow, db: Queryable = this.store): Promise<boolean> {
    const rows = await db.query(sql`
      insert into weft_runs (id, workflow, version, status, input, parent_id, queue, owner,
        lease_until, wake_at, attempts, created_at, started_at, updated_at, traceparent, caller)
      values (${row.id}, ${row.workflow}, ${row.version}, ${row.status}, ${row.input},
        ${row.parent_id}, ${row.queue}, ${row.owner}, ${row.lease_until}, ${row.wake_at},
        ${row.attempts}, ${row.created_at}, ${row.started_at}, ${row.updated_at},
        ${row.traceparent ?? null}, ${row.caller ?? null})
      on conflict (id) do nothing
      returning id`);
    return rows.length === 1;
  }

  /** The run with this id (read on `db`: an open transaction, or the store). */
  async getRun(id: string, db: Queryable = this.store): Promise<RunRow | undefined> {
    const rows = await db.query<RunRow>(sql`select * from weft_runs where id = ${id}`);
    return rows[0];
  }

  async steps(runId: string): Promise<StepRow[]> {
    return this.store.query<StepRow>(
      sql`select * from weft_steps where run_id = ${runId} order by seq`,
    );
  }

  /**
   * Records a step if `owner` still owns the run. Resolves false when it does not (lease lost) or
   * when the step was recorded already.
   */
  recordStep(step: NewStep, owner: string): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.queue.push({ step, owner, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const written = await this.insertSteps(batch);
        for (const p of batch) p.resolve(written.has(`${p.step.run_id}#${p.step.seq}`));
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
    this.flushing = false;
  }

  private async insertSteps(batch: Pending[]): Promise<Set<string>> {
    const values = sql.join(
      batch.map(
        ({ step: s, owner }) => sql`(${s.run_id}, CAST(${s.seq} AS INTEGER), ${s.name}, ${s.kind},
          CAST(${s.ok} AS INTEGER), ${s.output}, ${s.error}, CAST(${s.started_at} AS BIGINT),
          CAST(${s.ended_at} AS BIGINT), CAST(${s.attempts} AS INTEGER), ${owner})`,
      ),
      sql`, `,
    );
    const rows = await this.store.query<{ run_id: string; seq: number }>(sql`
      with v (run_id, seq, name, kind, ok, output, error, started_at, ended_at, attempts, owner)
        as (values ${values})
      insert into weft_steps (run_id, seq, name, kind, ok, output, error, started_at, ended_at, attempts)
      select v.run_id, v.seq, v.name, v.kind, v.ok, v.output, v.error, v.started_at, v.ended_at, v.attempts
      from v join weft_runs r on r.id = v.run_id and r.owner = v.owner
      where true
      on conflict (run_id, seq) do nothing
      returning run_id, seq`);
    return new Set(rows.map((r) => `${r.run_id}#${r.seq}`));
  }

  /** Claims up to `limit` runnable runs for `owner`. */
  async claim(owner: string, now: number, leaseMs: number, limit: number): Promise<RunRow[]> {
    const lock = this.store.dialect === "postgres" ? sql`for update skip locked` : sql``;
    return this.store.query<RunRow>(sql`
      update weft_runs set
        status = case when status = 'compensating' then 'compensating' else 'running' end,
        owner = ${owner}, lease_until = ${now + leaseMs}, attempts = attempts + 1,
        started_at = coalesce(started_at, ${now}), updated_at = ${now}
      where id in (
        select id from weft_runs
        where ((status = 'pending' and queue is null)
           or (status = 'sleeping' and wake_at <= ${now})
           or (status in ('running', 'compensating') and lease_until < ${now}))
        order by coalesce(wake_at, created_at)
        limit ${limit} ${lock})
      returning *`);
  }

  /**
   * Claims pending runs of one queue within its limits: at most `concurrency` executing and
   * `perSecond` started in the last second, counted across all workers (under a lock per queue on
   * PostgreSQL; SQLite has one writer).
   */
  async claimQueue(
    queue: string,
    limits: { concurrency: number; perSecond: number },
    owner: string,
    now: number,
    leaseMs: number,
    limit: number,
  ): Promise<RunRow[]> {
    return this.store.transaction(async (tx) => {
      if (this.store.dialect === "postgres") {
        await tx.query(sql`select pg_advisory_xact_lock(hashtext(${`weft-queue:${queue}`}))`);
      }
      const [counts] = await tx.query<{ active: number; recent: number }>(sql`
        select
          sum(case when status in ('running', 'compensating') and lease_until >= ${now} then 1 else 0 end) as active,
          sum(case when started_at >= ${now - 1000} then 1 else 0 end) as recent
        from weft_runs where queue = ${queue}`);
      const room = Math.min(
        limit,
        limits.concurrency - Number(counts?.active ?? 0),
        limits.perSecond - Number(counts?.recent ?? 0),
      );
      if (room <= 0) return [];
      return tx.query<RunRow>(sql`
        update weft_runs set status = 'running', owner = ${owner}, lease_until = ${now + leaseMs},
          attempts = attempts + 1, started_at = coalesce(started_at, ${now}), updated_at = ${now}
        where id in (
          select id from weft_runs where status = 'pending' and queue = ${queue}
          order by created_at limit ${room})
        returning *`);
    });
  }

  /**
   * Extends the leases `owner` holds on the runs `ids` (those it is executing: a run whose
   * execution stopped on an error must lapse, to be claimed again); returns their cancel flags.
   */
  async heartbeat(owner: string, ids: readonly string[], now: number, leaseMs: number) {
    if (ids.length === 0) return [];
    return this.store.query<{ id: string; cancel_requested: number }>(sql`
      update weft_runs set lease_until = ${now + leaseMs}
      where owner = ${owner} and status in ('running', 'compensating')
        and id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})
      returning id, cancel_requested`);
  }

  /** Puts a run to sleep until `wakeAt`, or wakes it at once when `wakeNow` holds (fenced). */
  async suspend(
    id: string,
    owner: string,
    wakeAt: number | null,
    wakeNow: SqlFragment,
    now: number,
  ) {
    const result = await this.store.execute(sql`
      update weft_runs set status = 'sleeping', owner = null, lease_until = null,
        wake_at = case when (${wakeNow}) or cancel_requested = 1 then CAST(${now} AS BIGINT)
          else CAST(${wakeAt} AS BIGINT) end,
        updated_at = ${now}
      where id = ${id} and owner = ${owner}`);
    if (result.rowCount !== 1) return false;
    // Under READ COMMITTED (PostgreSQL) a wake-up committed while the update above ran — a signal,
    // a child's end, a cancel — can be missed by both sides: the update judged `wakeNow` on an
    // older snapshot, and the waker saw the run not sleeping yet. Look again, now that it is.
    await this.store.execute(sql`
      update weft_runs set wake_at = ${now}
      where id = ${id} and status = 'sleeping' and owner is null
        and ((${wakeNow}) or cancel_requested = 1)`);
    return true;
  }

  /** Sets a run's status (fenced by owner unless `owner` is undefined). */
  async setStatus(
    id: string,
    owner: string | undefined,
    status: RunStatus,
    fields: { output?: string | null; error?: string | null; now: number; final?: boolean },
  ): Promise<boolean> {
    const fence = owner === undefined ? sql`` : sql`and owner = ${owner}`;
    const release = fields.final
      ? sql`, owner = null, lease_until = null, completed_at = ${fields.now}`
      : sql``;
    const result = await this.store.execute(sql`
      update weft_runs set status = ${status}, output = ${fields.output ?? null},
        error = ${fields.error ?? null}, updated_at = ${fields.now} ${release}
      where id = ${id} ${fence}`);
    return result.rowCount === 1;
  }

  /** Wakes a sleeping run now (a signal, a child's end, a cancel). */
  async wake(id: string, now: number): Promise<void> {
    await this.store.execute(
      sql`update weft_runs set wake_at = ${now} where id = ${id} and status = 'sleeping'`,
    );
  }

  /** Gives up the leases of `owner` (on stop) so other workers take the runs over at once. */
  async release(owner: string, now: number): Promise<void> {
    await this.store.execute(sql`
      update weft_runs set lease_until = ${now - 1}
      where owner = ${owner} and status in ('running', 'compensating')`);
  }

  /** The earliest wake-up of a sleeping run. */
  async nextWake(): Promise<number | undefined> {
    const rows = await this.store.query<{ at: number | null }>(
      sql`select min(wake_at) as at from weft_runs where status = 'sleeping'`,
    );
    return rows[0]?.at ?? undefined;
  }
}
