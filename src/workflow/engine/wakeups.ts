/**
 * Wake-ups: what makes the engine look for runnable runs. A nudge (a run started, woken, or
 * capacity freed) runs a claim round at once, or one more after the current; a poll every
 * `pollMs` finds work of other processes and expired leases; one timer fires at the earliest
 * sleeping run or schedule; on PostgreSQL, LISTEN/NOTIFY carries other processes' nudges. A
 * failing round (the store is down) backs off and tries again.
 */
import type { Logger } from "../../core/index.js";
import { exponentialBackoff } from "../../resilience/backoff.js";
import { type Store, sql } from "../../store/index.js";
import type { Clock } from "./host.js";

/**
 * One claim round: `true` when it claimed a full batch (so another follows at once), `false`
 * when it did not, `undefined` when there is no room (no round ran).
 */
export type ClaimRound = () => Promise<boolean | undefined>;

/** What {@link Wakeups} needs. */
export interface WakeupsOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often to look for work without being told. */
  readonly pollMs: number;
  /** Whether the engine claims work now (false before start and from drain on). */
  readonly accepting: () => boolean;
  readonly round: ClaimRound;
  /** The earliest time a sleeping run or a schedule is due, if any. */
  readonly nextDue: () => Promise<number | undefined>;
  /** The engine's nudge (timers and notifications go through it, in the engine's context). */
  readonly nudge: () => void;
}

type ListenFn = (
  channel: string,
  onNotify: (payload: string) => void,
  options?: { onReconnect?: () => void },
) => Promise<() => Promise<void>>;

/** The NOTIFY channel on which PostgreSQL engines of one schema wake each other. */
function notifyChannel(store: Store): string {
  const schema = (store as { schema?: unknown }).schema;
  return `weft_wf_${typeof schema === "string" ? schema : "public"}`.slice(0, 63);
}

/** Store errors: 200 ms after the first failed round, doubling up to 25.6 s. */
const storeBackoff = exponentialBackoff({ initial: 200, max: 25_600, jitter: "none" });

/** The timers, the poll and the notifications that run claim rounds. */
export class Wakeups {
  private pollTimer: NodeJS.Timeout | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private tickAgain = false;
  private failures = 0;
  private stopListening: (() => Promise<void>) | undefined;

  constructor(private readonly options: WakeupsOptions) {}

  /**
   * On PostgreSQL, listens for other processes' starts, signals and cancels, which arrive by NOTIFY
   * at once; after a reconnect, a catch-up round claims whatever became runnable meanwhile.
   */
  async listen(): Promise<void> {
    const store = this.options.store;
    const listen = (store as { listen?: ListenFn }).listen;
    if (typeof listen === "function") {
      this.stopListening = await listen.call(
        store,
        notifyChannel(store),
        () => this.options.nudge(),
        {
          onReconnect: () => this.options.nudge(),
        },
      );
    }
  }

  /** Starts the poll. */
  startPolling(): void {
    this.pollTimer = setInterval(() => this.options.nudge(), this.options.pollMs);
    this.pollTimer.unref();
  }

  /** Runs a claim round soon: now, or once more after the one running. */
  nudge(): void {
    if (!this.options.accepting()) return;
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
        const full = await this.options.round();
        if (full === undefined) break;
        this.failures = 0;
        if (full) this.tickAgain = true;
      } while (this.tickAgain && this.options.accepting());
      await this.scheduleWake();
    } catch (error) {
      this.failures += 1;
      const backoff = storeBackoff(this.failures);
      this.options.logger.warn(
        { err: error, backoffMs: backoff },
        "claiming runs failed; backing off",
      );
      setTimeout(() => this.options.nudge(), backoff).unref();
    } finally {
      this.ticking = false;
    }
  }

  /** Arms one timer for the earliest sleeping run (no polling for timers). */
  private async scheduleWake(): Promise<void> {
    const at = await this.options.nextDue();
    clearTimeout(this.wakeTimer);
    if (at === undefined || !this.options.accepting()) return;
    const delay = Math.max(0, Math.min(at - this.options.clock.now(), 2 ** 31 - 1));
    if (delay >= this.options.pollMs) return; // the poll will see it first
    this.wakeTimer = setTimeout(() => this.options.nudge(), delay);
    this.wakeTimer.unref();
  }

  /** Tells other processes (PostgreSQL NOTIFY) that runnable work appeared. */
  async notifyOthers(): Promise<void> {
    const store = this.options.store;
    if (store.dialect !== "postgres") return;
    await store.execute(sql`select pg_notify(${notifyChannel(store)}, '')`).catch(() => {});
  }

  /** Stops the poll and the wake timer (draining: no more claims). */
  pause(): void {
    clearInterval(this.pollTimer);
    clearTimeout(this.wakeTimer);
  }

  /** Stops listening, the poll and the wake timer. */
  async stop(): Promise<void> {
    await this.stopListening?.().catch(() => {});
    this.pause();
  }
}
