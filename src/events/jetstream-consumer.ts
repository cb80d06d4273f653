/**
 * The JetStream broker's side of one subscription: pulls its durable consumer's messages, runs at
 * most `concurrency` handlers at once (with as many messages more in hand, their inbox checked by
 * the time a place frees), acknowledges each message once its inbox record is written (NAKs it
 * with the retry's backoff when it failed), and reads events out of messages.
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import type { App } from "../core/index.js";
import { createSemaphore, type Semaphore } from "../resilience/semaphore.js";
import type { Consumer } from "./broker.js";
import type { HandlerSlot, StagedDeliver } from "./dispatcher.js";
import type { EventEnvelope } from "./envelope.js";

/** Headers an event travels with (besides `Nats-Msg-Id`). */
export const HEADER = {
  id: "Weft-Event-Id",
  key: "Weft-Event-Key",
  at: "Weft-Published-At",
  target: "Weft-Target",
  trace: "traceparent",
} as const;

/**
 * Messages of one consumer whose handler returned but whose inbox record is still being written,
 * at most (each is acknowledged after it): past it, fetching waits.
 */
const SETTLING_MAX = 1_000;

/** A message that waited this long for a handler's place tells the server it is still in hand. */
const WORKING_AFTER_MS = 1_000;

/**
 * How often a message waiting for a handler's place tells the server so: well within the
 * shortest ack_wait (a subscription's time limit plus 5 s: at least 5 s).
 */
const WORKING_EVERY_MS = 2_000;

/** Why a message waiting for a place is put back: its consumer stopped. */
class Stopped extends Error {}

/**
 * One consumer's fetch-and-handle loop. At most `concurrency` handlers run at once; up to as many
 * messages more are taken in hand meanwhile, so their inbox check is done by the time a place
 * frees; a message whose handler returned gives its place up while its inbox record is written,
 * and is acknowledged after.
 */
export class ConsumerLoop {
  /** Messages in hand (before, in or after their handler). */
  private inflight = 0;
  /** Messages in hand whose handler has not returned yet (or will not run). */
  private active = 0;
  /** Handlers' places: `concurrency` of them. */
  private readonly places: Semaphore;
  private running = true;
  private slot: (() => void) | undefined;
  private idle: (() => void) | undefined;
  private messages: { stop(): void } | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly deliver: StagedDeliver,
    private readonly app: App,
  ) {
    this.places = createSemaphore(consumer.subscription.concurrency);
  }

  private get full(): boolean {
    return (
      this.active >= 2 * this.consumer.subscription.concurrency ||
      this.inflight - this.active >= SETTLING_MAX
    );
  }

  async start(js: JetStreamClient, stream: string, durable: string): Promise<void> {
    const c = await js.consumers.get(stream, durable);
    // At most `concurrency` messages wait in the client, their ack_wait running, while the loop
    // holds 2 × `concurrency` in hand: each is taken in hand within about one handler's time limit
    // (less than ack_wait), and in hand `working()` keeps it while it waits for a place.
    const messages = await c.consume({ max_messages: this.consumer.subscription.concurrency });
    this.messages = messages;
    void (async () => {
      for await (const m of messages) {
        if (!this.running) break;
        this.inflight++;
        this.active++;
        void this.handle(m);
        while (this.full && this.running) {
          await new Promise<void>((resolve) => {
            this.slot = resolve;
          });
        }
      }
    })().catch((err: unknown) => {
      if (this.running)
        this.app.logger.error({ err, consumer: this.consumer.name }, "event consumer stopped");
    });
  }

  private wake(): void {
    const slot = this.slot;
    this.slot = undefined;
    slot?.();
  }

  /** A handler's place for message `m` (waits while every place is taken). */
  private place(m: JsMsg, released: () => void): HandlerSlot {
    let taken = false;
    return {
      acquire: () => {
        if (!this.running) return Promise.reject(new Stopped());
        if (this.places.tryAcquire()) {
          taken = true;
          return undefined;
        }
        const since = Date.now();
        // Its ack_wait runs while it waits: tell the server now and then that it is in hand.
        const beat = setInterval(() => m.working(), WORKING_EVERY_MS);
        return this.places.acquire().then(
          () => {
            clearInterval(beat);
            taken = true;
            if (Date.now() - since >= WORKING_AFTER_MS) m.working();
          },
          (error: unknown) => {
            clearInterval(beat);
            throw error;
          },
        );
      },
      release: () => {
        if (!taken) return;
        taken = false;
        // The place goes to the next message waiting for one, if any.
        this.places.release();
        released();
      },
    };
  }

  private async handle(m: JsMsg): Promise<void> {
    let active = true;
    const leave = () => {
      if (!active) return;
      active = false;
      this.active--;
      this.wake();
    };
    const place = this.place(m, leave);
    try {
      const outcome = await this.deliver(
        this.consumer,
        envelopeOf(m, this.consumer),
        m.info.deliveryCount,
        place,
      );
      if (outcome.kind === "retry") m.nak(outcome.delayMs);
      else m.ack();
    } catch (error) {
      if (error instanceof Stopped) m.nak();
      else {
        this.app.logger.warn(
          { err: error, consumer: this.consumer.name },
          "delivery failed; redelivering",
        );
        m.nak(1_000);
      }
    } finally {
      place.release();
      leave();
      this.inflight--;
      this.wake();
      if (this.inflight === 0) this.idle?.();
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
    this.messages?.stop();
    // Messages still waiting for a place go back to the server for another replica.
    this.places.rejectWaiting(new Stopped());
    this.wake();
  }
}

/** Reads an event from a message (a message published by hand gets its stream position as id). */
function envelopeOf(m: JsMsg, consumer: Consumer): EventEnvelope {
  const h = m.headers;
  const at = Number(h?.get(HEADER.at));
  const target = h?.get(HEADER.target);
  return {
    id: h?.get(HEADER.id) || h?.get("Nats-Msg-Id") || `${m.info.stream}:${m.seq}`,
    topic: consumer.subscription.topic.name,
    key: h?.get(HEADER.key) || undefined,
    payload: m.string(),
    traceparent: h?.get(HEADER.trace) || undefined,
    publishedAt: Number.isFinite(at) && at > 0 ? at : Math.floor(m.info.timestampNanos / 1e6),
    ...(target ? { target } : {}),
  };
}
