/**
 * Claiming and leases: takes runnable runs (new, woken, or whose owner's lease expired) under a
 * lease, within each queue's concurrency and rate; heartbeats the leases of the runs executing
 * here (and learns of cancels that way); gives the leases up at stop.
 */
import type { Logger } from "../../core/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { Execution } from "./execution.js";
import type { Clock } from "./host.js";
import type { Journal, RunRow } from "./journal.js";

/** Limits of one queue, the strictest its workflows declare. */
export interface QueueLimits {
  readonly concurrency: number;
  readonly perSecond: number;
}

/** What {@link Claims} needs. */
export interface ClaimsOptions {
  readonly journal: Journal;
  readonly owner: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly leaseMs: number;
  readonly workflows: readonly AnyWorkflow[];
  /** The executions of this process, whose leases are heartbeaten. */
  readonly executing: ReadonlyMap<string, Execution>;
}

/** Most runs taken in one claim. */
const BATCH = 64;

/** The strictest limits per queue over `workflows`. */
export function queueLimits(workflows: readonly AnyWorkflow[]): Map<string, QueueLimits> {
  const queues = new Map<string, QueueLimits>();
  for (const w of workflows) {
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
  return queues;
}

/** This worker's claims and leases. */
export class Claims {
  private readonly queues: ReadonlyMap<string, QueueLimits>;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ClaimsOptions) {
    this.queues = queueLimits(options.workflows);
  }

  /** The size of a full claim when there is room for `room` runs (a full one asks for another). */
  batch(room: number): number {
    return Math.min(room, BATCH);
  }

  /** Claims up to `batch(room)` runs outside queues, then queued ones while room is left. */
  async claim(now: number, room: number): Promise<RunRow[]> {
    const { journal, owner, leaseMs } = this.options;
    const runs = await journal.claim(owner, now, leaseMs, this.batch(room));
    for (const [queue, limits] of this.queues) {
      const left = room - runs.length;
      if (left <= 0) break;
      runs.push(...(await journal.claimQueue(queue, limits, owner, now, leaseMs, left)));
    }
    return runs;
  }

  /** Heartbeats the leases of the runs executing here, three times per lease. */
  startHeartbeat(): void {
    this.heartbeatTimer = setInterval(
      () => void this.heartbeat(),
      Math.max(50, this.options.leaseMs / 3),
    );
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    const { journal, owner, clock, leaseMs, executing } = this.options;
    if (executing.size === 0) return;
    try {
      const ids = [...executing.keys()];
      const rows = await journal.heartbeat(owner, ids, clock.now(), leaseMs);
      for (const row of rows) {
        const execution = executing.get(row.id);
        if (execution !== undefined && row.cancel_requested === 1) execution.cancelRequested = true;
      }
    } catch (error) {
      this.options.logger.warn({ err: error }, "lease heartbeat failed");
    }
  }

  /** Stops heartbeating and gives up the leases still held, so other workers resume those runs at once. */
  async release(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    try {
      await this.options.journal.release(this.options.owner, this.options.clock.now());
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        "could not release leases; they expire by themselves",
      );
    }
  }
}
