/**
 * The in-process broker: a durable queue per consumer in the app's store. Publishing fans each
 * event out to the queues of the topic's subscribers (in one transaction); each consumer claims
 * due events with a lease, handles up to its concurrency at once, and deletes, reschedules (retry
 * with backoff) or dead-letters them. A process that dies mid-event leaves its claim to expire,
 * then the event is delivered again; the inbox makes that harmless.
 */
import { AsyncResource } from "node:async_hooks";
import type { Logger } from "../core/index.js";
import type { Consumer, Deliver, EventBroker, Outcome } from "./broker.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";

/** Options of {@link createLocalBroker}. */
export interface LocalBrokerOptions {
  readonly events: EventStore;
  /** Consumers of each topic (all of the app's subscriptions: the app runs in one process). */
  readonly consumersOf: (topic: string) => readonly string[];
  readonly logger: Logger;
  /** How often idle consumers look for due events (retries, other replicas). Default 250 ms. */
  readonly pollMs?: number;
}

/** Makes the in-process broker. */
export function createLocalBroker(options: LocalBrokerOptions): EventBroker {
  const { events, logger } = options;
  const pollMs = options.pollMs ?? 250;
  const loops = new Map<string, ConsumerLoop>();
  const wake = (consumer: string) => loops.get(consumer)?.pump();
  return {
    name: "local",
    async start() {},
    async publish(batch) {
      const items = batch.flatMap((event) =>
        (event.target === undefined ? options.consumersOf(event.topic) : [event.target]).map(
          (consumer) => ({ consumer, event }),
        ),
      );
      if (items.length > 0) await events.store.transaction((tx) => events.enqueue(tx, items));
      for (const consumer of new Set(items.map((i) => i.consumer))) wake(consumer);
    },
    async consume(consumer, deliver) {
      const loop = new ConsumerLoop(consumer, deliver, events, logger, pollMs);
      loops.set(consumer.name, loop);
      loop.start();
    },
    async redrive(consumer, event) {
      await events.enqueue(events.store, [{ consumer, event }]);
      wake(consumer);
    },
    async drain(deadline) {
      await Promise.all([...loops.values()].map((l) => l.drain(deadline)));
    },
    async close() {
      for (const l of loops.values()) l.stop();
      loops.clear();
    },
  };
}

/** One consumer's claim-and-handle loop. */
class ConsumerLoop {
  private inflight = 0;
  private running = false;
  private pumping = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly deliver: Deliver,
    private readonly events: EventStore,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {
    // Wake-ups come from other work's async context (a relay, a transaction): claims run in the
    // loop's own.
    this.pump = AsyncResource.bind(this.pump.bind(this));
  }

  start(): void {
    this.running = true;
    this.timer = setInterval(() => this.pump(), this.pollMs);
    this.timer.unref();
    this.pump();
  }

  /** Claims and starts as many due events as concurrency allows. */
  pump(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    void this.fill().finally(() => {
      this.pumping = false;
      if (this.again && this.running) {
        this.again = false;
        this.pump();
      }
    });
  }

  private async fill(): Promise<void> {
    const { subscription } = this.consumer;
    try {
      while (this.running && this.inflight < subscription.concurrency) {
        const claimed = await this.events.claimQueued(
          this.consumer.name,
          subscription.concurrency - this.inflight,
          // The claim outlives the handler's time limit, so no second delivery overlaps it.
          subscription.timeoutMs + 5_000,
        );
        if (claimed.length === 0) return;
        for (const { event, attempt } of claimed) {
          this.inflight++;
          void this.handle(event, attempt);
        }
      }
    } catch (error) {
      this.logger.warn(
        { err: error, consumer: this.consumer.name },
        "claiming events failed; will retry",
      );
    }
  }

  private async handle(event: EventEnvelope, attempt: number): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.deliver(this.consumer, event, attempt);
    } catch (error) {
      // The store failed while recording: deliver again soon.
      this.logger.warn(
        { err: error, consumer: this.consumer.name, eventId: event.id },
        "delivery failed",
      );
      outcome = { kind: "retry", delayMs: 1_000 };
    }
    try {
      if (outcome.kind === "retry")
        await this.events.reschedule(this.consumer.name, event.id, outcome.delayMs);
      else await this.events.dequeue(this.events.store, this.consumer.name, [event.id]);
    } catch (error) {
      // The claim expires and the event comes again; the inbox dedupes it.
      this.logger.warn(
        { err: error, consumer: this.consumer.name, eventId: event.id },
        "updating the queue failed",
      );
    } finally {
      this.inflight--;
      if (this.inflight === 0) this.idle?.();
      this.pump();
    }
  }

  async drain(deadline: number): Promise<void> {
    this.stop();
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
    });
  }

  stop(): void {
    this.running = false;
    clearInterval(this.timer);
  }
}
