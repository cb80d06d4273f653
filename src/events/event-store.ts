/**
 * The events' SQL, in one place: outbox writes and claims, the inbox, dead letters and the
 * in-process broker's queue. Every statement runs on SQLite and PostgreSQL; where they differ
 * (row locking) the dialect decides.
 */
import { errorFromWire, errorToWire, type WeftError } from "../core/index.js";
import { type SqlFragment, sql } from "../store/index.js";
import type { Queryable, Store, Tx } from "../store/types.js";
import type { EventEnvelope } from "./envelope.js";
import { PROCESSED } from "./schema.js";

interface EnvelopeRow {
  id: string;
  topic: string;
  event_key: string | null;
  payload: string;
  traceparent: string | null;
  created_at?: number | string;
  published_at?: number | string;
}

const toEnvelope = (row: EnvelopeRow, id = row.id): EventEnvelope => ({
  id,
  topic: row.topic,
  key: row.event_key ?? undefined,
  payload: row.payload,
  traceparent: row.traceparent ?? undefined,
  publishedAt: Number(row.created_at ?? row.published_at),
});

/** A dead letter as the API shows it. */
export interface DeadLetter {
  /** The dead letter's own id (redrive and discard take it). */
  readonly id: string;
  /** Which subscription gave up: `service/topic`. */
  readonly consumer: string;
  readonly event: EventEnvelope;
  /** Why the last attempt failed. */
  readonly error: WeftError;
  readonly attempts: number;
  /** When it was dead-lettered (epoch ms). */
  readonly createdAt: number;
  /** When it was last redriven, if it was. */
  readonly redrivenAt: number | undefined;
}

/** Filter of {@link EventStore.deadLetters}. */
export interface DeadLetterFilter {
  readonly consumer?: string;
  readonly topic?: string;
  /** Include dead letters already redriven. Default false. */
  readonly redriven?: boolean;
  /** Most rows returned, newest first. Default 100. */
  readonly limit?: number;
}

/** The events' SQL on one store. */
export class EventStore {
  constructor(readonly store: Store) {}

  private get locking(): SqlFragment {
    return this.store.dialect === "postgres" ? sql`for update skip locked` : sql.empty;
  }

  /** Writes events to the outbox with one statement on `db` (a transaction's handle, or the store). */
  insertOutbox(db: Queryable, events: readonly EventEnvelope[]): Promise<unknown> {
    const rows = events.map(
      (e) =>
        sql`(${e.id}, ${e.topic}, ${e.key ?? null}, ${e.payload}, ${e.traceparent ?? null}, ${e.publishedAt})`,
    );
    return db.execute(sql`
      insert into weft_outbox (id, topic, event_key, payload, traceparent, created_at)
      values ${sql.join(rows)} on conflict (id) do nothing`);
  }

  /** Claims up to `limit` unpublished events (any commit order) for `leaseMs`. */
  async claimOutbox(limit: number, leaseMs: number): Promise<EventEnvelope[]> {
    const now = Date.now();
    const rows = await this.store.query<EnvelopeRow>(sql`
      update weft_outbox set claimed_until = ${now + leaseMs}
      where id in (
        select id from weft_outbox
        where published_at is null and (claimed_until is null or claimed_until < ${now})
        order by id limit ${limit} ${this.locking})
      returning id, topic, event_key, payload, traceparent, created_at`);
    return rows.map((r) => toEnvelope(r)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Marks events handed to the broker. */
  markPublished(ids: readonly string[]): Promise<unknown> {
    return this.store.execute(sql`
      update weft_outbox set published_at = ${Date.now()}, claimed_until = null
      where id in (${sql.join(ids)})`);
  }

  /** Gives claimed events back at once (the broker refused them). */
  release(ids: readonly string[]): Promise<unknown> {
    return this.store.execute(sql`
      update weft_outbox set claimed_until = null where id in (${sql.join(ids)}) and published_at is null`);
  }

  /** Which of `ids` `consumer` has processed. */
  async processed(consumer: string, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.store.query<{ event_id: string }>(sql`
      select event_id from weft_inbox
      where consumer = ${consumer} and part = ${PROCESSED} and event_id in (${sql.join(ids)})`);
    return new Set(rows.map((r) => r.event_id));
  }

  /** Records events processed by consumers (idempotent). */
  markProcessed(
    db: Queryable,
    done: readonly { consumer: string; eventId: string }[],
  ): Promise<unknown> {
    const now = Date.now();
    const rows = done.map((d) => sql`(${d.consumer}, ${d.eventId}, ${PROCESSED}, ${now})`);
    return db.execute(sql`
      insert into weft_inbox (consumer, event_id, part, at) values ${sql.join(rows)}
      on conflict (consumer, event_id, part) do nothing`);
  }

  /** The recorded result of transaction `part` of a consumer's handling of an event, if any. */
  async recordedResult(tx: Tx, consumer: string, eventId: string, part: number) {
    const rows = await tx.query<{ result: string | null }>(sql`
      select result from weft_inbox where consumer = ${consumer} and event_id = ${eventId} and part = ${part}`);
    return rows[0];
  }

  /** Records the result of transaction `part` in that transaction. */
  recordResult(tx: Tx, consumer: string, eventId: string, part: number, result: string | null) {
    return tx.execute(sql`
      insert into weft_inbox (consumer, event_id, part, result, at)
      values (${consumer}, ${eventId}, ${part}, ${result}, ${Date.now()})`);
  }

  /** Stores a dead letter (replacing an earlier one of the same consumer and event). */
  async deadLetter(
    db: Queryable,
    id: string,
    consumer: string,
    event: EventEnvelope,
    error: WeftError,
    attempts: number,
  ): Promise<void> {
    await db.execute(sql`
      delete from weft_dead_letters where consumer = ${consumer} and event_id = ${event.id}`);
    await db.execute(sql`
      insert into weft_dead_letters
        (id, consumer, event_id, topic, event_key, payload, traceparent, published_at, error, attempts, created_at)
      values (${id}, ${consumer}, ${event.id}, ${event.topic}, ${event.key ?? null}, ${event.payload},
        ${event.traceparent ?? null}, ${event.publishedAt}, ${JSON.stringify(errorToWire(error))},
        ${attempts}, ${Date.now()})`);
  }

  /** Dead letters, newest first. */
  async deadLetters(filter: DeadLetterFilter = {}): Promise<DeadLetter[]> {
    const where: SqlFragment[] = [sql`1 = 1`];
    if (filter.consumer !== undefined) where.push(sql`consumer = ${filter.consumer}`);
    if (filter.topic !== undefined) where.push(sql`topic = ${filter.topic}`);
    if (filter.redriven !== true) where.push(sql`redriven_at is null`);
    const rows = await this.store.query<DeadLetterRow>(sql`
      select * from weft_dead_letters where ${sql.join(where, sql` and `)}
      order by created_at desc, id desc limit ${Math.max(1, Math.min(filter.limit ?? 100, 10_000))}`);
    return rows.map(toDeadLetter);
  }

  /** One dead letter. */
  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const rows = await this.store.query<DeadLetterRow>(
      sql`select * from weft_dead_letters where id = ${id}`,
    );
    return rows[0] === undefined ? undefined : toDeadLetter(rows[0]);
  }

  /** Marks a dead letter redriven. */
  markRedriven(db: Queryable, id: string): Promise<unknown> {
    return db.execute(
      sql`update weft_dead_letters set redriven_at = ${Date.now()} where id = ${id}`,
    );
  }

  /** Deletes a dead letter; says whether it existed. */
  async discard(id: string): Promise<boolean> {
    const { rowCount } = await this.store.execute(
      sql`delete from weft_dead_letters where id = ${id}`,
    );
    return rowCount > 0;
  }

  /** Queues events for consumers (the in-process broker); already queued pairs are kept. */
  enqueue(
    db: Queryable,
    items: readonly { consumer: string; event: EventEnvelope }[],
  ): Promise<unknown> {
    const now = Date.now();
    const rows = items.map(
      ({ consumer, event: e }) =>
        sql`(${consumer}, ${e.id}, ${e.topic}, ${e.key ?? null}, ${e.payload}, ${e.traceparent ?? null}, ${e.publishedAt}, ${now})`,
    );
    return db.execute(sql`
      insert into weft_event_queue
        (consumer, event_id, topic, event_key, payload, traceparent, published_at, next_at)
      values ${sql.join(rows)} on conflict (consumer, event_id) do nothing`);
  }

  /**
   * Claims due queued events of a consumer for `leaseMs`, counting the attempt, and tells for each
   * whether the consumer's inbox already has it processed (the dedupe read, in the same statement).
   */
  async claimQueued(
    consumer: string,
    limit: number,
    leaseMs: number,
  ): Promise<{ event: EventEnvelope; attempt: number; processed: boolean }[]> {
    const now = Date.now();
    const rows = await this.store.query<
      EnvelopeRow & { event_id: string; attempts: number; processed: boolean | number }
    >(sql`
      update weft_event_queue set claimed_until = ${now + leaseMs}, attempts = attempts + 1
      where consumer = ${consumer} and event_id in (
        select event_id from weft_event_queue
        where consumer = ${consumer} and next_at <= ${now}
          and (claimed_until is null or claimed_until < ${now})
        order by next_at, event_id limit ${limit} ${this.locking})
      returning event_id, topic, event_key, payload, traceparent, published_at, attempts,
        exists (select 1 from weft_inbox where weft_inbox.consumer = weft_event_queue.consumer
          and weft_inbox.event_id = weft_event_queue.event_id and weft_inbox.part = ${PROCESSED})
          as processed`);
    return rows
      .map((r) => ({
        event: toEnvelope(r, r.event_id),
        attempt: Number(r.attempts),
        processed: r.processed === true || Number(r.processed) === 1,
      }))
      .sort((a, b) => (a.event.id < b.event.id ? -1 : 1));
  }

  /** Removes handled (or dead-lettered) events from a consumer's queue. */
  dequeue(db: Queryable, consumer: string, eventIds: readonly string[]): Promise<unknown> {
    return db.execute(sql`
      delete from weft_event_queue where consumer = ${consumer} and event_id in (${sql.join(eventIds)})`);
  }

  /** Puts a failed event back in its consumer's queue, due after `delayMs`. */
  reschedule(consumer: string, eventId: string, delayMs: number): Promise<unknown> {
    return this.store.execute(sql`
      update weft_event_queue set claimed_until = null, next_at = ${Date.now() + delayMs}
      where consumer = ${consumer} and event_id = ${eventId}`);
  }

  /** Refreshes the query planner's statistics of the events' tables (PostgreSQL). */
  analyze(): Promise<unknown> {
    return this.store.execute(sql`analyze weft_outbox, weft_inbox, weft_event_queue`);
  }

  /** Deletes what retention lets go; returns how many rows each table lost. */
  async cleanup(cutoffs: { outbox: number; inbox: number; deadLetters: number }) {
    const outbox = await this.store.execute(sql`
      delete from weft_outbox where published_at is not null and published_at < ${cutoffs.outbox}`);
    const inbox = await this.store.execute(sql`delete from weft_inbox where at < ${cutoffs.inbox}`);
    const dead = await this.store.execute(sql`
      delete from weft_dead_letters where created_at < ${cutoffs.deadLetters}`);
    return { outbox: outbox.rowCount, inbox: inbox.rowCount, deadLetters: dead.rowCount };
  }

  /** Unpublished events and the age of the oldest (the relay's lag). */
  async outboxBacklog(): Promise<{ pending: number; oldestAt: number | undefined }> {
    const rows = await this.store.query<{ n: number | string; oldest: number | string | null }>(sql`
      select count(*) as n, min(created_at) as oldest from weft_outbox where published_at is null`);
    const row = rows[0];
    return {
      pending: Number(row?.n ?? 0),
      oldestAt: row?.oldest === null || row?.oldest === undefined ? undefined : Number(row.oldest),
    };
  }

  /** Events waiting per consumer in the in-process queue. */
  async queueDepths(): Promise<Map<string, number>> {
    const rows = await this.store.query<{ consumer: string; n: number | string }>(sql`
      select consumer, count(*) as n from weft_event_queue group by consumer`);
    return new Map(rows.map((r) => [r.consumer, Number(r.n)]));
  }
}

interface DeadLetterRow extends EnvelopeRow {
  consumer: string;
  event_id: string;
  error: string;
  attempts: number | string;
  created_at: number | string;
  redriven_at: number | string | null;
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  let error: WeftError;
  try {
    error = errorFromWire(JSON.parse(row.error));
  } catch {
    error = errorFromWire({ code: "UNKNOWN", reason: "UNREADABLE_ERROR", message: row.error });
  }
  return {
    id: row.id,
    consumer: row.consumer,
    event: {
      id: row.event_id,
      topic: row.topic,
      key: row.event_key ?? undefined,
      payload: row.payload,
      traceparent: row.traceparent ?? undefined,
      publishedAt: Number(row.published_at),
    },
    error,
    attempts: Number(row.attempts),
    createdAt: Number(row.created_at),
    redrivenAt: row.redriven_at === null ? undefined : Number(row.redriven_at),
  };
}
