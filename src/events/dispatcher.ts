/**
 * What happens to one delivery, whatever the broker: skip it if it is addressed to another
 * consumer or already processed (the inbox), validate it (a malformed event is dead-lettered at
 * once, with the reason), run the handler as work of its service (`app.perform`, so it has a full
 * context, is drained on stop, and continues the publisher's trace), record it processed, or
 * decide between a retry with backoff and the dead-letter store.
 */
import { v7 } from "uuid";
import {
  type App,
  type CallContext,
  internal,
  invalidArgument,
  isWeftError,
  normalizeError,
  validate,
  type WeftError,
} from "../core/index.js";
import { Batcher } from "./batcher.js";
import type { Consumer, Deliver, Outcome } from "./broker.js";
import type { EventEnvelope } from "./envelope.js";
import type { EventStore } from "./event-store.js";
import { retryDelay } from "./subscribe.js";

/** A handler's delivery in progress: its transactions are numbered and recorded in the inbox. */
export interface Handling {
  readonly consumer: string;
  readonly eventId: string;
  part: number;
}

/** Counts what deliveries came to (tests and metrics read them). */
export interface DeliveryCounts {
  done: number;
  duplicate: number;
  skipped: number;
  retried: number;
  dead: number;
}

/**
 * A place among the handlers of one subscription running at once, as its broker hands them out.
 * The dispatcher takes one only once it knows the handler will run (after the inbox check), and
 * gives it back as soon as the handler returned or threw: the delivery's inbox record, and the ack
 * or dequeue after it, no longer hold a place, nor does the inbox check before it.
 */
export interface HandlerSlot {
  /** Waits for a place. */
  acquire(): Promise<void> | undefined;
  /** Gives the place back (once, after `acquire`). */
  release(): void;
}

/**
 * Handles one delivery like {@link Deliver}, with the handler run in a place taken from `slot`. A
 * broker that read the consumer's inbox while claiming the event says what it found in
 * `processed` (the dispatcher then skips its own read).
 */
export type StagedDeliver = (
  consumer: Consumer,
  event: EventEnvelope,
  attempt: number,
  slot: HandlerSlot,
  processed?: boolean,
) => Promise<Outcome>;

/** The staged form of a broker's `deliver` (the dispatcher's own, or `deliver` in a place). */
export function stagedDelivery(deliver: Deliver): StagedDeliver {
  const staged = (deliver as Deliver & { staged?: StagedDeliver }).staged;
  if (staged !== undefined) return staged;
  return async (consumer, event, attempt, slot) => {
    await slot.acquire();
    try {
      return await deliver(consumer, event, attempt);
    } finally {
      slot.release();
    }
  };
}

/** The place of a delivery that has none to wait for. */
const ANY_PLACE: HandlerSlot = { acquire: () => undefined, release: () => {} };

/** Runs deliveries for the brokers. */
export class Dispatcher {
  /** Contexts of handlers running now, for `ctx.tx` to record their transactions. */
  readonly handling = new WeakMap<CallContext, Handling>();
  readonly counts: DeliveryCounts = { done: 0, duplicate: 0, skipped: 0, retried: 0, dead: 0 };
  private readonly seen: Batcher<{ consumer: string; eventId: string }, boolean>;
  private readonly done: Batcher<{ consumer: string; eventId: string }, undefined>;

  constructor(
    private readonly app: App,
    private readonly events: EventStore,
    private readonly onOutcome?: (
      consumer: Consumer,
      event: EventEnvelope,
      outcome: Outcome,
    ) => void,
  ) {
    this.seen = new Batcher(async (items) => {
      const byConsumer = new Map<string, string[]>();
      for (const i of items) {
        const list = byConsumer.get(i.consumer) ?? [];
        list.push(i.eventId);
        byConsumer.set(i.consumer, list);
      }
      const found = new Map<string, Set<string>>();
      for (const [consumer, ids] of byConsumer)
        found.set(consumer, await events.processed(consumer, ids));
      return items.map((i) => found.get(i.consumer)?.has(i.eventId) === true);
    });
    this.done = new Batcher(async (items) => {
      await events.markProcessed(events.store, items);
      return items.map(() => undefined);
    });
  }

  /**
   * Handles one delivery of `event` to `consumer` (attempt from 1). Carries its staged form as
   * `deliver.staged` (see {@link stagedDelivery}), which the brokers use.
   */
  readonly deliver: Deliver = Object.assign(
    (consumer: Consumer, event: EventEnvelope, attempt: number) =>
      this.run(consumer, event, attempt, ANY_PLACE),
    {
      staged: ((consumer, event, attempt, slot, processed) =>
        this.run(consumer, event, attempt, slot, processed)) satisfies StagedDeliver,
    },
  );

  private async run(
    consumer: Consumer,
    event: EventEnvelope,
    attempt: number,
    slot: HandlerSlot,
    processed?: boolean,
  ): Promise<Outcome> {
    let held = false;
    const place = {
      acquire: async () => {
        await slot.acquire();
        held = true;
      },
      release: () => {
        if (!held) return;
        held = false;
        slot.release();
      },
    };
    let outcome: Outcome;
    try {
      outcome = await this.attempt(consumer, event, attempt, place, processed);
    } finally {
      place.release();
    }
    this.counts[outcome.kind === "retry" ? "retried" : outcome.kind]++;
    this.onOutcome?.(consumer, event, outcome);
    return outcome;
  }

  private async attempt(
    consumer: Consumer,
    event: EventEnvelope,
    attempt: number,
    place: { acquire(): Promise<void>; release(): void },
    processed: boolean | undefined,
  ): Promise<Outcome> {
    if (event.target !== undefined && event.target !== consumer.name) return { kind: "skipped" };
    const { subscription, service } = consumer;
    const topic = subscription.topic;
    let value: unknown;
    try {
      value = await decode(topic.schema, event);
    } catch (error) {
      // A malformed event never gets better: dead-letter it now, with the reason.
      await this.deadLetter(consumer, event, error as WeftError, attempt);
      return { kind: "dead" };
    }
    if (processed ?? (await this.seen.add({ consumer: consumer.name, eventId: event.id })))
      return { kind: "duplicate" };
    await place.acquire();
    try {
      await this.app.perform(
        service,
        `on ${topic.name}`,
        async (ctx) => {
          this.handling.set(ctx, { consumer: consumer.name, eventId: event.id, part: 0 });
          await subscription.handler(ctx, value as never, {
            id: event.id,
            topic: topic.name,
            key: event.key,
            publishedAt: event.publishedAt,
            attempt,
          });
        },
        {
          timeoutMs: subscription.timeoutMs,
          admitted: true,
          metadata: { "weft-event-id": event.id },
          ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
        },
      );
    } catch (thrown) {
      place.release();
      // Dead letters are for operators: keep what an unknown throwable said.
      const error = isWeftError(thrown)
        ? thrown
        : normalizeError(thrown).with({
            message: `${consumer.name} threw: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
          });
      const terminal = isWeftError(thrown) && !thrown.retryable;
      if (subscription.deadLetter && (terminal || attempt >= subscription.attempts)) {
        await this.deadLetter(consumer, event, error, attempt);
        return { kind: "dead" };
      }
      this.app.logger.warn(
        {
          consumer: consumer.name,
          eventId: event.id,
          attempt,
          code: error.code,
          reason: error.reason,
        },
        `${consumer.name}: event ${event.id} failed (attempt ${attempt}); retrying`,
      );
      return { kind: "retry", delayMs: retryDelay(subscription, attempt) };
    }
    place.release();
    // If this write fails, the event is delivered again: the handler's recorded transactions
    // return their results without running twice.
    await this.done.add({ consumer: consumer.name, eventId: event.id });
    return { kind: "done" };
  }

  private async deadLetter(
    consumer: Consumer,
    event: EventEnvelope,
    error: WeftError,
    attempts: number,
  ) {
    this.app.logger.error(
      {
        consumer: consumer.name,
        eventId: event.id,
        attempts,
        code: error.code,
        reason: error.reason,
      },
      `${consumer.name}: event ${event.id} dead-lettered after ${attempts} attempt(s): ${error.message}`,
    );
    await this.events.deadLetter(this.events.store, v7(), consumer.name, event, error, attempts);
  }
}

/** Parses and validates an event's payload against its topic's schema. */
async function decode(
  schema: Parameters<typeof validate>[0],
  event: EventEnvelope,
): Promise<unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(event.payload);
  } catch (error) {
    throw invalidArgument(
      "EVENT_MALFORMED",
      `event ${event.id} on ${event.topic} is not JSON: ${(error as Error).message}`,
      { retryable: false },
    );
  }
  try {
    return await validate(schema, parsed, {
      code: "INVALID_ARGUMENT",
      reason: "EVENT_INVALID",
      subject: `event ${event.id} on ${event.topic}`,
    });
  } catch (error) {
    throw isWeftError(error) ? error : internal("EVENT_INVALID", String(error));
  }
}
