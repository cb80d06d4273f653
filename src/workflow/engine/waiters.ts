/**
 * Waiting for a run to end: a run that ends in this process tells its waiters the outcome at
 * once (no read); a run elsewhere is seen by reading the store with a growing interval.
 */
import { errorFromWire, failedPrecondition, notFound, type WeftError } from "../../core/index.js";
import { exponentialBackoff } from "../../resilience/backoff.js";
import type { Journal } from "./journal.js";
import { decodeJson } from "./json.js";
import { FINAL_STATUSES, type RunStatus } from "./schema.js";

/** How a run ended, for waiters. */
export interface RunOutcome {
  readonly status: RunStatus;
  readonly output: unknown;
  readonly error: WeftError | undefined;
}

/** How long to wait before the n-th read of a run executing elsewhere: 20 ms doubling to 1 s. */
const readInterval = exponentialBackoff({ initial: 20, max: 1000, jitter: "none" });

/** The callers waiting in this process for runs to end. */
export class Waiters {
  private readonly waiters = new Map<string, ((outcome?: RunOutcome) => void)[]>();

  /** `isExecuting(id)`: whether run `id` executes here (so its end is told, not read). */
  constructor(
    private readonly journal: Journal,
    private readonly isExecuting: (id: string) => boolean,
  ) {}

  /** Tells the waiters of run `id` how it ended. */
  notify(id: string, outcome: RunOutcome): void {
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
    for (let read = 1; ; read++) {
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
      // ends elsewhere); others are read again after a growing interval (`readInterval`).
      const poll = Math.min(this.isExecuting(id) ? 1000 : readInterval(read), left);
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
    }
  }
}
