/**
 * The in-process broker: a durable queue per consumer in the app's store. Publishing fans each
 * event out to the queues of the topic's subscribers (in one transaction); each consumer claims
 * due events with a lease, runs up to its concurrency of handlers at once, and deletes (in one
 * statement for all the events settled in the same tick), reschedules (retry with backoff) or
 * dead-letters them. A process that dies mid-event leaves its claim to expire, then the event is
 * delivered again; the inbox makes that harmless.
 */
import type { Logger } from "../core/index.js";
import { createSemaphore, type Semaphore } from "../resilience/semaphore.js";
import { Batcher } from "./batcher.js";
import type { Consumer, EventBroker, Outcome } from "./broker.js";
import { type StagedDeliver, stagedDelivery } from "./dispatcher.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";

/**
 * Deliveries of one consumer whose handler returned but whose inbox record or dequeue is still
 * being written, at most: past it, claims wait (a slow store slows intake instead of piling up).
 */
const SETTLING_MAX = 1_000;

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
  // Handled events leave their queues together: one DELETE per consumer and tick.
  const handled = new Batcher<{ consumer: string; eventId: string }, undefined>(async (items) => {
    const byConsumer = new Map<string, string[]>();
    for (const { consumer, eventId } of items) {
      const ids = byConsumer.get(consumer) ?? [];
      ids.push(eventId);
      byConsumer.set(consumer, ids);
    }
    for (const [consumer, ids] of byConsumer) await events.dequeue(events.store, consumer, ids);
    return items.map(() => undefined);
  });
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
      const loop = new ConsumerLoop(
        consumer,
        stagedDelivery(deliver),
        events,
        handled,
        logger,
        pollMs,
      );
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
  /** Claimed deliveries not finished (handler running, or being recorded and dequeued). */
  private inflight = 0;
  /** Handlers' places: one held per handler running now, the subscription's concurrency of them. */
  private readonly places: Semaphore;
  private running = false;
  private pumping = false;
  private refilling = false;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly deliver: StagedDeliver,
    private readonly events: EventStore,
    private readonly handled: Batcher<{ consumer: string; eventId: string }, undefined>,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {
    this.places = createSemaphore(consumer.subscription.concurrency);
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
      while (
        this.running &&
        this.places.held < subscription.concurrency &&
        this.inflight - this.places.held < SETTLING_MAX
      ) {
        const claimed = await this.events.claimQueued(
          this.consumer.name,
          subscription.concurrency - this.places.held,
          // The claim outlives the handler's time limit, so no second delivery overlaps it.
          subscription.timeoutMs + 5_000,
        );
        if (claimed.length === 0) return;
        for (const { event, attempt, processed } of claimed) {
          // Never refused: no more were claimed than places are free, and nobody waits for one.
          this.places.tryAcquire();
          this.inflight++;
          void this.handle(event, attempt, processed);
        }
      }
    } catch (error) {
      this.logger.warn(
        { err: error, consumer: this.consumer.name },
        "claiming events failed; will retry",
      );
    }
  }

  private async handle(event: EventEnvelope, attempt: number, processed: boolean): Promise<void> {
    let outcome: Outcome;
    let slot = true;
    const handled = () => {
      if (!slot) return;
      slot = false;
      this.places.release();
      this.refill();
    };
    try {
      // The place was taken when the event was claimed.
      outcome = await this.deliver(
        this.consumer,
        event,
        attempt,
        { acquire: () => undefined, release: handled },
        processed,
      );
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
      else await this.handled.add({ consumer: this.consumer.name, eventId: event.id });
    } catch (error) {
      // The claim expires and the event comes again; the inbox dedupes it.
      this.logger.warn(
        { err: error, consumer: this.consumer.name, eventId: event.id },
        "updating the queue failed",
      );
    } finally {
      handled();
      this.inflight--;
      if (this.inflight === 0) this.idle?.();
      this.refill();
    }
  }

  /**
   * Claims more in the next turn of the event loop: on a synchronous store (SQLite) claims and
   * handlers could otherwise follow each other in microtasks alone, starving timers and I/O.
   */
  private refill(): void {
    if (this.refilling) return;
    this.refilling = true;
    setImmediate(() => {
      this.refilling = false;
      this.pump();
    });
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
