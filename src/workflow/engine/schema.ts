/**
 * The workflow engine's tables (migration scope `workflow`). Times are epoch milliseconds; JSON
 * values are text. One row per run, one per recorded step, signals waiting to be consumed, and the
 * recorded results of transactions made inside steps.
 */
import type { Migration } from "../../store/index.js";

/** The journal's tables; `time` is the column type of epoch-millisecond times. */
function journalTables(time: string): string {
  return `
    create table weft_runs (
      id text primary key,
      workflow text not null,
      version text not null,
      status text not null,
      input text not null,
      output text,
      error text,
      parent_id text,
      queue text,
      owner text,
      lease_until ${time},
      wake_at ${time},
      cancel_requested integer not null default 0,
      attempts integer not null default 0,
      created_at ${time} not null,
      started_at ${time},
      updated_at ${time} not null,
      completed_at ${time}
    );
    create index weft_runs_runnable on weft_runs (status, wake_at);
    create index weft_runs_owner on weft_runs (owner);
    create index weft_runs_workflow on weft_runs (workflow, status, created_at);
    create index weft_runs_parent on weft_runs (parent_id);
    create table weft_steps (
      run_id text not null,
      seq integer not null,
      name text not null,
      kind text not null,
      ok integer not null,
      output text,
      error text,
      started_at ${time} not null,
      ended_at ${time} not null,
      attempts integer not null,
      primary key (run_id, seq)
    );
    create table weft_signals (
      id text primary key,
      run_id text not null,
      name text not null,
      payload text,
      created_at ${time} not null,
      consumed_seq integer
    );
    create index weft_signals_run on weft_signals (run_id, name, consumed_seq);
    create table weft_step_tx (
      run_id text not null,
      seq integer not null,
      tx integer not null,
      output text,
      primary key (run_id, seq, tx)
    );`;
}

/** The schedules table. */
function scheduleTable(time: string): string {
  return `
    create table weft_schedules (
      name text primary key,
      cron text not null,
      next_fire_at ${time} not null,
      last_fired_at ${time}
    );`;
}

/**
 * Migrations of the workflow engine's tables. Never edit an applied migration (its checksum is
 * checked): add one.
 */
export const WORKFLOW_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "workflow journal",
    sqlite: journalTables("integer"),
    postgres: journalTables("bigint"),
  },
  {
    version: 2,
    name: "cron schedules",
    sqlite: scheduleTable("integer"),
    postgres: scheduleTable("bigint"),
  },
  {
    version: 3,
    name: "run origin: the starter's trace and service",
    sql: `
      alter table weft_runs add column traceparent text;
      alter table weft_runs add column caller text;`,
  },
];

/** Statuses of a run. */
export const RUN_STATUSES = [
  "pending",
  "running",
  "sleeping",
  "compensating",
  "completed",
  "failed",
  "compensated",
  "cancelled",
] as const;

/** A run's status. */
export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses a run never leaves by itself. */
export const FINAL_STATUSES: ReadonlySet<RunStatus> = new Set([
  "completed",
  "failed",
  "compensated",
  "cancelled",
]);
