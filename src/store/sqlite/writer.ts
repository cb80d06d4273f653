/**
 * The one writer of a SQLite store. better-sqlite3 is synchronous and has one connection, so every
 * transaction goes through this FIFO queue: exactly one is open at a time, and nothing waits on a
 * lock held by this process. `BEGIN IMMEDIATE` takes the file's write lock up front; while another
 * process holds it, we wait asynchronously (short busy_timeout slices, then timers) up to
 * `busyTimeoutMs`, then fail ABORTED (`STORE_BUSY`).
 *
 * Group commit: when several transactions are queued, one `BEGIN IMMEDIATE … COMMIT` carries up to
 * {@link GROUP_MAX} of them, each after the first in its own savepoint (a failing one rolls back
 * alone). No caller is answered before the shared COMMIT succeeded, so durability is unchanged; a
 * failed COMMIT fails every member. A transaction joins only while the batch is younger than
 * {@link GROUP_WINDOW_MS}, which bounds the extra latency of the first one.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { aborted } from "../../core/index.js";
import { exponentialBackoff } from "../../resilience/backoff.js";
import { type Connection, TxScope } from "../scope.js";
import { isSqliteBusy, mapSqliteError } from "./errors.js";

/** Most transactions one COMMIT carries. */
export const GROUP_MAX = 64;
/** A queued transaction joins a running batch only while the batch is younger than this. */
export const GROUP_WINDOW_MS = 10;

interface Job {
  readonly fn: (scope: TxScope) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** What the writer needs from its store. */
export interface WriterOptions {
  readonly connection: Connection;
  /** Whether the connection has an open transaction (better-sqlite3's `inTransaction`). */
  readonly inTransaction: () => boolean;
  readonly busyTimeoutMs: number;
  readonly groupCommit: boolean;
}

/** Wait between busy retries: 1 ms doubling up to 50 ms, each scattered over ±50 %. */
const busyBackoff = exponentialBackoff({ initial: 1, max: 50, jitter: "spread" });

/** Retries `action` while SQLite says busy, sleeping between tries, for up to `timeoutMs`. */
export async function retryBusy<T>(action: () => T | Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (e) {
      if (!isSqliteBusy(e) || performance.now() >= deadline) throw mapSqliteError(e);
    }
    await sleep(busyBackoff(attempt));
  }
}

/** The FIFO writer queue of one SQLite store. */
export class Writer {
  private readonly queue: Job[] = [];
  private draining: Promise<void> | undefined;

  constructor(private readonly options: WriterOptions) {}

  /**
   * Queues `fn` as a transaction and resolves with its result once committed. `fn` runs as a
   * continuation of the caller's own promise (so in the caller's async context: its trace, its
   * logger), not in the context of whoever happened to start the queue.
   */
  enqueue<T>(fn: (scope: TxScope) => Promise<T>): Promise<T> {
    let turn: (scope: TxScope) => void = () => {};
    const ran = new Promise<TxScope>((resolve) => {
      turn = resolve;
    }).then((scope) => scope.run(() => fn(scope)));
    const start = (scope: TxScope) => {
      turn(scope);
      return ran;
    };
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn: start, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when the queue is empty and no transaction is open. */
  async idle(): Promise<void> {
    while (this.draining !== undefined) await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.batch();
    } finally {
      this.draining = undefined;
    }
  }

  private exec(text: string): Promise<void> {
    return retryBusy(() => this.options.connection.exec(text), this.options.busyTimeoutMs);
  }

  private async rollback(): Promise<void> {
    if (!this.options.inTransaction()) return;
    try {
      await this.options.connection.exec("ROLLBACK");
    } catch {
      // The transaction is gone either way; the caller gets the original error.
    }
  }

  /** Runs one job inside the open transaction; a savepoint isolates it unless it is alone. */
  private async runJob(job: Job, savepoint: string | undefined): Promise<[boolean, unknown]> {
    const { connection } = this.options;
    const scope = new TxScope(connection, "sqlite");
    try {
      if (savepoint !== undefined) await connection.exec(`SAVEPOINT ${savepoint}`);
      const value = await job.fn(scope);
      if (scope.broken !== undefined) throw scope.broken;
      if (savepoint !== undefined) await connection.exec(`RELEASE SAVEPOINT ${savepoint}`);
      return [true, value];
    } catch (e) {
      if (savepoint !== undefined && this.options.inTransaction()) {
        try {
          await connection.exec(`ROLLBACK TO SAVEPOINT ${savepoint}`);
          await connection.exec(`RELEASE SAVEPOINT ${savepoint}`);
        } catch {
          await this.rollback(); // cannot isolate the failure: give up the whole batch
        }
      }
      return [false, e];
    }
  }

  private async batch(): Promise<void> {
    try {
      await this.exec("BEGIN IMMEDIATE");
    } catch (e) {
      // Every queued job has waited as long as the first: fail them all alike.
      for (const job of this.queue.splice(0)) job.reject(e);
      return;
    }
    const started = performance.now();
    const done: [Job, unknown][] = [];
    while (this.queue.length > 0 && done.length < GROUP_MAX) {
      if (done.length > 0 && !this.options.groupCommit) break;
      if (done.length > 0 && performance.now() - started > GROUP_WINDOW_MS) break;
      const job = this.queue.shift() as Job;
      const [ok, value] = await this.runJob(
        job,
        done.length > 0 ? `weft_group_${done.length}` : undefined,
      );
      if (!this.options.inTransaction()) {
        // SQLite answered a failure with a full rollback: the whole batch is lost, retryably.
        const lost = aborted(
          "STORE_ROLLED_BACK",
          "SQLite rolled back the whole transaction (a failure of a transaction committed in the same group); retry",
          { cause: ok ? undefined : value },
        );
        for (const [member] of done) member.reject(lost);
        job.reject(ok ? lost : value);
        return;
      }
      if (ok) done.push([job, value]);
      else if (done.length === 0) {
        await this.rollback();
        job.reject(value);
        return;
      } else job.reject(value);
    }
    try {
      await this.exec("COMMIT");
    } catch (e) {
      await this.rollback();
      for (const [job] of done) job.reject(e);
      return;
    }
    for (const [job, value] of done) job.resolve(value);
  }
}
