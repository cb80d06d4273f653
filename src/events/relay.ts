/**
 * The outbox relay: claims unpublished outbox rows — every unpublished row, whatever order their
 * transactions committed in (never "rows after the last id seen", which skips a row whose
 * transaction commits late) — hands them to the broker, then marks them published. Rows are
 * claimed with a lease, so relays in several processes share the work; a relay that dies
 * mid-batch leaves its claim to expire and the rows are handed on again (the broker's dedupe and
 * the consumers' inbox absorb the repeat). Nothing is marked published before the broker holds it.
 */
import type { Logger } from "../core/index.js";
import type { EventBroker } from "./broker.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";

/** Options of {@link Relay}. */
export interface RelayOptions {
  /** Rows per claim. Default 500. */
  readonly batch?: number;
  /** How long a claim holds. Default 30 s. */
  readonly leaseMs?: number;
  /** How often to look for rows committed elsewhere. Default 200 ms. */
  readonly pollMs?: number;
}

/** Moves committed events from the outbox to the broker. */
export class Relay {
  private running = false;
  private active: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  /** Events handed to the broker by this relay. */
  relayed = 0;

  constructor(
    private readonly events: EventStore,
    private readonly broker: EventBroker,
    private readonly logger: Logger,
    private readonly options: RelayOptions = {},
    /** Told of every batch the broker took (metrics count them). */
    private readonly onRelayed?: (events: readonly EventEnvelope[]) => void,
  ) {}

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.nudge(), this.options.pollMs ?? 200);
    this.timer.unref();
    this.nudge();
  }

  /** Looks for rows now (after a publish commits). */
  nudge(): void {
    this.run();
  }

  private run(): void {
    if (!this.running) return;
    if (this.active !== undefined) {
      this.again = true;
      return;
    }
    this.active = this.drainOutbox().finally(() => {
      this.active = undefined;
      if (this.again) {
        this.again = false;
        this.run();
      }
    });
  }

  private async drainOutbox(): Promise<void> {
    const batch = this.options.batch ?? 500;
    try {
      for (;;) {
        if (!this.running) return;
        const rows = await this.events.claimOutbox(batch, this.options.leaseMs ?? 30_000);
        if (rows.length === 0) return;
        try {
          await this.broker.publish(rows);
        } catch (error) {
          await this.events.release(rows.map((r) => r.id)).catch(() => {});
          throw error;
        }
        await this.events.markPublished(rows.map((r) => r.id));
        this.relayed += rows.length;
        this.onRelayed?.(rows);
        this.failures = 0;
        if (rows.length < batch) return;
      }
    } catch (error) {
      this.failures++;
      // The poll tries again; log once per streak, not once per tick.
      if (this.failures === 1)
        this.logger.warn({ err: error }, "relaying events failed; will retry");
    }
  }

  /** Stops relaying; waits for the batch in hand. */
  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.timer);
    await this.active;
  }
}
