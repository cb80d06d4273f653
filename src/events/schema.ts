/**
 * The events' tables (migration scope `events`). Times are epoch milliseconds; payloads are JSON
 * text. The outbox holds events until the relay hands them on; the inbox records what each
 * consumer processed (and the results of its transactions); dead letters keep events that failed
 * every attempt; the queue is the in-process broker's durable per-consumer queue.
 */
import type { Migration } from "../store/index.js";

function tables(time: string): string {
  return `
    create table weft_outbox (
      id text primary key,
      topic text not null,
      event_key text,
      payload text not null,
      traceparent text,
      created_at ${time} not null,
      claimed_until ${time},
      published_at ${time}
    );
    create index weft_outbox_pending on weft_outbox (id) where published_at is null;
    create index weft_outbox_published on weft_outbox (published_at) where published_at is not null;
    create table weft_inbox (
      consumer text not null,
      event_id text not null,
      part integer not null,
      result text,
      at ${time} not null,
      primary key (consumer, event_id, part)
    );
    create index weft_inbox_at on weft_inbox (at);
    create table weft_dead_letters (
      id text primary key,
      consumer text not null,
      event_id text not null,
      topic text not null,
      event_key text,
      payload text not null,
      traceparent text,
      published_at ${time} not null,
      error text not null,
      attempts integer not null,
      created_at ${time} not null,
      redriven_at ${time}
    );
    create index weft_dead_letters_consumer on weft_dead_letters (consumer, created_at);
    create table weft_event_queue (
      consumer text not null,
      event_id text not null,
      topic text not null,
      event_key text,
      payload text not null,
      traceparent text,
      published_at ${time} not null,
      attempts integer not null default 0,
      next_at ${time} not null,
      claimed_until ${time},
      primary key (consumer, event_id)
    );
    create index weft_event_queue_due on weft_event_queue (consumer, next_at);`;
}

/** Migrations of the events' tables. Never edit an applied migration: add one. */
export const EVENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "outbox, inbox, dead letters, queue",
    sqlite: tables("integer"),
    postgres: tables("bigint"),
  },
];

/** The inbox part that marks an event processed by a consumer (parts 1… are its transactions). */
export const PROCESSED = 0;
