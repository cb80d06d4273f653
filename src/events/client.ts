/**
 * Operating events from scripts, the CLI and the admin API: `events(app)` lists and redrives dead
 * letters, shows backlogs, and runs retention now.
 *
 * @example
 * ```ts
 * const dead = await events(app).deadLetters({ consumer: "email/order.placed" });
 * await events(app).redrive(dead[0].id); // handled again by that consumer alone
 * ```
 */
import { type ExtensionKey, extensionKey } from "../core/index.js";
import type { DeadLetter, DeadLetterFilter } from "./event-store.js";

/** A subscriber's state, for `stats()`. */
export interface ConsumerStats {
  /** `service/topic`. */
  readonly name: string;
  readonly service: string;
  readonly topic: string;
  /** Events waiting (in-process queue, or JetStream's pending + unacknowledged). */
  readonly pending: number | undefined;
  /** Dead letters not redriven. */
  readonly deadLetters: number;
}

/** What `stats()` reports. */
export interface EventStats {
  /** `local` (in-process queue) or `jetstream`. */
  readonly broker: string;
  /** Committed events not yet handed to the broker, and the age of the oldest in ms (relay lag). */
  readonly outbox: { readonly pending: number; readonly oldestAgeMs: number | undefined };
  readonly consumers: readonly ConsumerStats[];
  /** What this process's deliveries came to since start. */
  readonly deliveries: {
    readonly done: number;
    readonly duplicate: number;
    readonly skipped: number;
    readonly retried: number;
    readonly dead: number;
  };
  /** Topics and their subscribers. */
  readonly topics: readonly { readonly name: string; readonly consumers: readonly string[] }[];
}

/** The events client of an app. */
export interface EventsClient {
  /** Dead letters, newest first (not yet redriven unless `redriven: true`). */
  deadLetters(filter?: DeadLetterFilter): Promise<DeadLetter[]>;
  /** One dead letter; NOT_FOUND if there is none with that id. */
  deadLetter(id: string): Promise<DeadLetter>;
  /**
   * Delivers a dead letter again to the consumer that gave up on it (no other subscriber sees it
   * again); its attempts start over. NOT_FOUND if there is no such dead letter.
   */
  redrive(id: string): Promise<void>;
  /** Redrives every dead letter matching `filter`; returns how many. */
  redriveAll(filter?: Omit<DeadLetterFilter, "redriven">): Promise<number>;
  /** Deletes a dead letter for good; NOT_FOUND if there is none. */
  discard(id: string): Promise<void>;
  /** Backlogs and counts. */
  stats(): Promise<EventStats>;
  /** Applies the retention policies now; returns rows deleted per table. */
  cleanup(): Promise<{ outbox: number; inbox: number; deadLetters: number }>;
}

/** The key under which an app provides its events client. */
export const EVENTS: ExtensionKey<EventsClient> = extensionKey<EventsClient>(
  "events (declare topics in defineApp or subscribe in a service)",
);

/** The events client of the app behind a call context or an app. */
export function events(from: { use<T>(key: ExtensionKey<T>): T }): EventsClient {
  return from.use(EVENTS);
}
