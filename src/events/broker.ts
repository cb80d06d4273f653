/**
 * The broker seam: what carries committed events from the relay to subscribers. In one process
 * it is a durable queue in the app's store (`local`); split, it is NATS JetStream. Both are run
 * by one conformance suite (src/events/conformance).
 */
import type { EventEnvelope } from "./envelope.js";
import type { Subscription } from "./subscribe.js";

/** What became of one delivery. */
export type Outcome =
  /** Handled now (or skipped as not addressed to this consumer, or already processed). */
  | { readonly kind: "done" | "skipped" | "duplicate" }
  /** Failed; deliver again after `delayMs`. */
  | { readonly kind: "retry"; readonly delayMs: number }
  /** Failed for good; stored as a dead letter. */
  | { readonly kind: "dead" };

/** A subscription of a service, as a broker consumes it. */
export interface Consumer {
  /** `service/topic`: the inbox key and the durable consumer's identity. */
  readonly name: string;
  readonly service: string;
  readonly subscription: Subscription;
}

/** Handles one delivery (attempt counts from 1) and says what became of it. */
export type Deliver = (
  consumer: Consumer,
  event: EventEnvelope,
  attempt: number,
) => Promise<Outcome>;

/** Carries events from the relay to subscribers. */
export interface EventBroker {
  readonly name: "local" | "jetstream";
  /** Connects and declares what it needs (streams). */
  start(): Promise<void>;
  /** Takes committed events; resolves once the broker holds each durably. */
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /** Starts delivering a consumer's events to `deliver`. */
  consume(consumer: Consumer, deliver: Deliver): Promise<void>;
  /** Delivers an event again to one consumer only (a dead letter's redrive). */
  redrive(consumer: string, event: EventEnvelope): Promise<void>;
  /** Stops taking new deliveries and waits (until `deadline`) for those in flight. */
  drain(deadline: number): Promise<void>;
  /** Releases connections. */
  close(): Promise<void>;
}
