/**
 * Durable workflows: a workflow of 3 trivial steps (each returns a small value), started and
 * waited for one at a time (latency p50/p99) and by 32 concurrent starters (workflows completed
 * per second). Contenders, side by side in one process and one run:
 *
 * - `weft-pg`: Weft's workflow engine on PostgreSQL (`createPostgresStore`, pool of 10), in a
 *   fresh schema; `workflows(app).start(...)` then `.result(id)`.
 * - `dbos-pg`: DBOS Transact (`@dbos-inc/dbos-sdk`, a bench/ dependency only) on the same server,
 *   with its system database in a fresh database, pool of 10; `DBOS.startWorkflow(wf)(input)`
 *   then `handle.getResult()`.
 * - `raw-pg`: the practical limit of the server: one-row autocommit INSERTs into a one-table
 *   schema through a pg pool of the same size.
 * - `weft-sqlite`: Weft's engine on its default store, SQLite (WAL, `synchronous=FULL`, group
 *   commit) in a temporary file. DBOS's TypeScript SDK has no SQLite.
 * - `raw-sqlite`: one-row autocommit INSERTs with better-sqlite3 (WAL, `synchronous=FULL`), the
 *   driver Weft uses. better-sqlite3 is synchronous: 32 "concurrent" callers still insert one by one.
 *
 * Weft is the tsc build (`weft-build.ts`), as published, in production mode with logs off. All
 * three PostgreSQL contenders load the same `pg` (bench/'s). Before measuring, every contender runs
 * workflows (and inserts) and they are checked: outputs, recorded steps and final statuses in the
 * store; each measured call checks its output; afterwards, the rows in each store are counted
 * against the calls made. The statements each workflow sends to PostgreSQL are counted (pg's
 * `Client.prototype.query`, wrapped) during the checks. Schemas, databases and files are dropped at
 * the end, also when the run fails or is interrupted (SIGINT, SIGTERM).
 *
 * Run alone: `npm run bench:workflows` (in bench/). Options via env: BENCH_ROUNDS (default 9),
 * BENCH_ROUND_MS (1500), BENCH_WARMUP_MS (2000), BENCH_CONCURRENCY (32), BENCH_ONLY
 * (comma-separated ids: weft-pg, dbos-pg, raw-pg, weft-sqlite, raw-sqlite), BENCH_DATABASE_URL
 * (else postgres://postgres@127.0.0.1:5432/test), BENCH_PG_POOL (10), BENCH_TMPDIR (where the
 * SQLite files go; default the OS temp dir), BENCH_PAIRS (300: calls per workflow contender in the
 * paired latency measurement, 0 to skip it).
 *
 * Besides the rounds, sequential latency is measured once more in alternation (one Weft run, one
 * DBOS run, …, rotating who goes first), so both meet the same moments of a noisy machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { DBOS } from "@dbos-inc/dbos-sdk";
import type BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import {
  type Contender,
  isMain,
  type MeasureOptions,
  measure,
  optionsFromEnv,
  type Row,
  reportHeader,
  writeReport,
} from "./measure.js";
import { importCompiledModule, importCompiledWeft } from "./weft-build.js";

type WeftWorkflow = typeof import("../src/workflow/index.js");
type WeftPostgres = typeof import("../src/store/postgres/index.js");
type WeftSqlite = typeof import("../src/store/sqlite/index.js");

// ---------------------------------------------------------------------------------------------
// The workflow, the same for every engine.

type Input = { n: number };
type Output = { a: number; b: number; c: string };

const INPUT: Input = { n: 20 };
/** What every run must return for INPUT. */
const EXPECTED: Output = { a: 21, b: 42, c: "c42" };

const stepOne = async (input: Input) => input.n + 1;
const stepTwo = async (a: number) => a * 2;
const stepThree = async (b: number) => `c${b}`;

const ZodInput = z.object({ n: z.number() });
const ZodOutput = z.object({ a: z.number(), b: z.number(), c: z.string() });

function checkOutput(who: string, out: unknown): void {
  const o = out as Partial<Output> | null | undefined;
  if (o?.a !== EXPECTED.a || o?.b !== EXPECTED.b || o?.c !== EXPECTED.c)
    throw new Error(`${who} returned ${JSON.stringify(out)}, expected ${JSON.stringify(EXPECTED)}`);
}

// ---------------------------------------------------------------------------------------------
// Clean-up of everything made on the server and on disk, also on failure and on SIGINT/SIGTERM.

const cleanups: { what: string; run: () => Promise<unknown> }[] = [];

/** Registers a clean-up (run last-in first-out). */
function onCleanup(what: string, run: () => Promise<unknown>): void {
  cleanups.push({ what, run });
}

let cleaning: Promise<void> | undefined;

/** Runs the clean-ups once: a signal during the run's own clean-up waits for the same one. */
function cleanUp(log: (line: string) => void): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const c = cleanups.pop() as (typeof cleanups)[number];
      try {
        await c.run();
        log(`  cleaned up ${c.what}`);
      } catch (e) {
        log(`  could not clean up ${c.what}: ${(e as Error).message}`);
      }
    }
  })().finally(() => {
    cleaning = undefined;
  });
  return cleaning;
}

function cleanUpOnSignals(log: (line: string) => void): () => void {
  const handler = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanUp(log).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", handler);
  process.once("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

// ---------------------------------------------------------------------------------------------
// Counting the statements sent to PostgreSQL (every contender uses this same pg).

/** Which pg connections belong to the contender being counted (its database or search_path). */
type ClientFilter = (client: { database?: string; options?: string }) => boolean;

const pgCount = {
  filter: undefined as ClientFilter | undefined,
  statements: 0,
  begins: 0,
  commits: 0,
};
{
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function counted(this: unknown, ...args: unknown[]) {
    const params = (this as { connectionParameters?: { database?: string; options?: string } })
      .connectionParameters;
    if (pgCount.filter !== undefined && params !== undefined && pgCount.filter(params)) {
      pgCount.statements += 1;
      const first = args[0];
      const text = typeof first === "string" ? first : (first as { text?: unknown })?.text;
      if (typeof text === "string") {
        const head = text.trimStart().slice(0, 6).toUpperCase();
        if (head.startsWith("BEGIN")) pgCount.begins += 1;
        else if (head.startsWith("COMMIT")) pgCount.commits += 1;
      }
    }
    return query.apply(this, args);
  };
}

/**
 * Statements (and BEGIN, COMMIT among them) that `call` sends per call, over `count` calls with
 * `concurrency` in flight, on the connections `filter` picks (background work included).
 */
async function countStatements(
  filter: ClientFilter,
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
): Promise<{ statements: number; begins: number; commits: number }> {
  pgCount.statements = 0;
  pgCount.begins = 0;
  pgCount.commits = 0;
  pgCount.filter = filter;
  try {
    let left = count;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (left > 0) {
          left--;
          await call();
        }
      }),
    );
  } finally {
    pgCount.filter = undefined;
  }
  const per = (n: number) => Math.round((n / count) * 100) / 100;
  return {
    statements: per(pgCount.statements),
    begins: per(pgCount.begins),
    commits: per(pgCount.commits),
  };
}

/** Connections whose `options` put `schema` on the search_path. */
const inSchema =
  (schema: string): ClientFilter =>
  (c) =>
    c.options?.includes(`search_path=${schema}`) === true;

// ---------------------------------------------------------------------------------------------
// PostgreSQL administration (schemas and databases of this run).

function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const dropSchema = (url: string, schema: string) => () =>
  admin(url, (c) => c.query(`drop schema if exists ${schema} cascade`));

/**
 * CPU time (ms) used so far by the local PostgreSQL server: every process named `postgres`
 * (backends, WAL writer, checkpointer…) plus what the postmaster's reaped children used. Read from
 * /proc before and after each round; undefined when no such process is visible (a remote server).
 * The server is shared: another client's work in a round would count too.
 */
function postgresCpuMs(): number | undefined {
  let ticks = 0;
  let found = false;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const close = stat.lastIndexOf(")");
    if (stat.slice(stat.indexOf("(") + 1, close) !== "postgres") continue;
    // Fields after "(comm)": state is field 3; utime, stime, cutime, cstime are fields 14–17.
    const f = stat.slice(close + 2).split(" ");
    ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    found = true;
  }
  return found ? ticks * (1000 / CLOCK_TICKS) : undefined;
}

/** Linux's USER_HZ: the unit of the times in /proc/<pid>/stat. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

// ---------------------------------------------------------------------------------------------
// The contenders.

/** A started contender. */
interface Running {
  /** One measured call: start a workflow and wait for its output (or insert one row). */
  call(): Promise<unknown>;
  /** Runs a few calls and checks what they left in the store; throws when anything is wrong. */
  verify(): Promise<string>;
  /** Counts what the store holds after the measurement; throws unless it matches the calls. */
  audit(calls: number): Promise<string>;
}

interface Settings {
  readonly pgUrl: string;
  readonly poolSize: number;
  readonly tag: string;
  readonly tmp: string;
}

/** A Weft app with the workflow, on the given store. */
async function startWeft(
  name: string,
  openStore: () => Promise<import("../src/store/index.js").Store>,
) {
  const weft = await importCompiledWeft();
  const { defineWorkflow, workflows } =
    await importCompiledModule<WeftWorkflow>("workflow/index.js");
  const bench3 = defineWorkflow(
    "bench3",
    { input: ZodInput, output: ZodOutput },
    async (wf, input) => {
      const a = await wf.step("one", () => stepOne(input));
      const b = await wf.step("two", () => stepTwo(a));
      const c = await wf.step("three", () => stepThree(b));
      return { a, b, c };
    },
  );
  const app = weft.createApp(weft.defineApp({ name, services: [], workflows: [bench3] }), {
    env: { NODE_ENV: "production" },
    config: { logLevel: "silent", app: name },
    store: openStore,
    // Weft's default, set explicitly: room for every concurrent starter to execute at once.
    workflow: { maxConcurrent: 256 },
  });
  await app.start();
  const client = workflows(app);
  const runOnce = async () => {
    const { id } = await client.start(bench3, INPUT);
    const outcome = await client.result(id);
    if (outcome.status !== "completed")
      throw new Error(`weft run ${id} ended ${outcome.status}: ${outcome.error?.message}`);
    checkOutput("weft", outcome.output);
    return id;
  };
  return { app, client, runOnce, bench3 };
}

/** Checks one Weft run's journal: completed, the 3 steps with their outputs. */
async function checkWeftRun(
  client: import("../src/workflow/index.js").WorkflowClient,
  id: string,
): Promise<void> {
  const run = await client.get(id);
  const steps = run.steps.map((s) => `${s.name}=${JSON.stringify(s.output)}`).join(",");
  if (run.status !== "completed" || steps !== `one=21,two=42,three="c42"`)
    throw new Error(`weft run ${id}: status ${run.status}, steps ${steps}`);
  checkOutput("weft (stored output)", run.output);
}

async function startWeftPostgres(settings: Settings): Promise<Running> {
  const { createPostgresStore } =
    await importCompiledModule<WeftPostgres>("store/postgres/index.js");
  const schema = `weft_bench_${settings.tag}`;
  onCleanup(`schema ${schema}`, dropSchema(settings.pgUrl, schema));
  const weft = await startWeft(`weft-bench-${settings.tag}`, () =>
    createPostgresStore({ url: settings.pgUrl, schema, poolSize: settings.poolSize }),
  );
  onCleanup("the Weft app on PostgreSQL", () => weft.app.stop());
  const counts = () =>
    admin(settings.pgUrl, async (c) => {
      const runs = await c.query<{ status: string; n: string }>(
        `select status, count(*) as n from ${schema}.weft_runs group by status`,
      );
      const steps = await c.query<{ n: string }>(`select count(*) as n from ${schema}.weft_steps`);
      return {
        byStatus: Object.fromEntries(runs.rows.map((r) => [r.status, Number(r.n)])),
        steps: Number(steps.rows[0]?.n),
      };
    });
  return {
    call: weft.runOnce,
    async verify() {
      await checkWeftRun(weft.client, await weft.runOnce());
      const ids = await Promise.all(Array.from({ length: 64 }, () => weft.runOnce()));
      for (const id of ids.slice(0, 8)) await checkWeftRun(weft.client, id);
      const seq = await countStatements(inSchema(schema), weft.runOnce, 50, 1);
      const conc = await countStatements(inSchema(schema), weft.runOnce, 320, 32);
      const { byStatus, steps } = await counts();
      const runs = 1 + 64 + 50 + 320;
      if (byStatus.completed !== runs || Object.keys(byStatus).length !== 1 || steps !== runs * 3)
        throw new Error(`weft-pg: ${JSON.stringify(byStatus)}, ${steps} steps after ${runs} runs`);
      return `${runs} runs completed with 3 steps each; PostgreSQL statements per workflow: ${seq.statements} sequential (${seq.begins} BEGIN), ${conc.statements} with 32 concurrent (${conc.begins} BEGIN)`;
    },
    async audit(calls) {
      const { byStatus, steps } = await counts();
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      if (byStatus.completed !== total || total < calls || steps !== total * 3)
        throw new Error(
          `weft-pg after ${calls} calls: ${JSON.stringify(byStatus)}, ${steps} steps`,
        );
      return `${total} runs in the store, all completed, ${steps} steps`;
    },
  };
}

async function startWeftSqlite(settings: Settings): Promise<Running> {
  const { createSqliteStore } = await importCompiledModule<WeftSqlite>("store/sqlite/index.js");
  const path = join(settings.tmp, "weft.sqlite");
  const weft = await startWeft(`weft-bench-sqlite-${settings.tag}`, () =>
    createSqliteStore({ path }),
  );
  onCleanup("the Weft app on SQLite", () => weft.app.stop());
  const counts = () => {
    const db = new (sqliteDriver())(path, { readonly: true });
    try {
      const runs = db
        .prepare("select status, count(*) as n from weft_runs group by status")
        .all() as { status: string; n: number }[];
      const steps = (db.prepare("select count(*) as n from weft_steps").get() as { n: number }).n;
      const pragmas = {
        journal: db.pragma("journal_mode", { simple: true }),
      };
      return {
        byStatus: Object.fromEntries(runs.map((r) => [r.status, r.n])),
        steps,
        pragmas,
      };
    } finally {
      db.close();
    }
  };
  return {
    call: weft.runOnce,
    async verify() {
      await checkWeftRun(weft.client, await weft.runOnce());
      const ids = await Promise.all(Array.from({ length: 64 }, () => weft.runOnce()));
      for (const id of ids.slice(0, 8)) await checkWeftRun(weft.client, id);
      const { byStatus, steps, pragmas } = counts();
      const runs = 65;
      if (byStatus.completed !== runs || Object.keys(byStatus).length !== 1 || steps !== runs * 3)
        throw new Error(`weft-sqlite: ${JSON.stringify(byStatus)}, ${steps} steps`);
      if (pragmas.journal !== "wal")
        throw new Error(`weft-sqlite: journal_mode ${pragmas.journal}`);
      return `${runs} runs completed with 3 steps each; journal_mode=wal`;
    },
    async audit(calls) {
      await weft.app.stop(); // the store is closed: every write is in the file
      const { byStatus, steps } = counts();
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      if (byStatus.completed !== total || total < calls || steps !== total * 3)
        throw new Error(
          `weft-sqlite after ${calls} calls: ${JSON.stringify(byStatus)}, ${steps} steps`,
        );
      return `${total} runs in the store, all completed, ${steps} steps`;
    },
  };
}

/** DBOS is one per process: launched once, shut down at the end. */
async function startDbos(settings: Settings): Promise<Running> {
  const database = `dbos_bench_${settings.tag}`;
  await admin(settings.pgUrl, (c) => c.query(`create database ${database}`));
  onCleanup(`database ${database}`, () =>
    admin(settings.pgUrl, (c) => c.query(`drop database if exists ${database} with (force)`)),
  );
  const systemDatabaseUrl = databaseUrl(settings.pgUrl, database);
  DBOS.setConfig({
    name: `weft-bench-${settings.tag}`,
    systemDatabaseUrl,
    systemDatabasePoolSize: settings.poolSize,
    logLevel: "error",
  });
  const bench3 = DBOS.registerWorkflow(
    async (input: Input): Promise<Output> => {
      const a = await DBOS.runStep(() => stepOne(input), { name: "one" });
      const b = await DBOS.runStep(() => stepTwo(a), { name: "two" });
      const c = await DBOS.runStep(() => stepThree(b), { name: "three" });
      return { a, b, c };
    },
    { name: "bench3" },
  );
  await DBOS.launch();
  onCleanup("DBOS", () => DBOS.shutdown());
  const runOnce = async () => {
    const handle = await DBOS.startWorkflow(bench3)(INPUT);
    checkOutput("dbos", await handle.getResult());
    return handle.workflowID;
  };
  const checkRun = async (id: string) => {
    const status = await DBOS.getWorkflowStatus(id);
    const steps = ((await DBOS.listWorkflowSteps(id)) ?? [])
      .map((s) => `${s.name}=${JSON.stringify(s.output)}`)
      .join(",");
    if (status?.status !== "SUCCESS" || steps !== `one=21,two=42,three="c42"`)
      throw new Error(`dbos run ${id}: status ${status?.status}, steps ${steps}`);
    checkOutput("dbos (stored output)", status.output);
  };
  const counts = () =>
    admin(systemDatabaseUrl, async (c) => {
      const runs = await c.query<{ status: string; n: string }>(
        "select status, count(*) as n from dbos.workflow_status group by status",
      );
      const steps = await c.query<{ n: string }>(
        "select count(*) as n from dbos.operation_outputs",
      );
      return {
        byStatus: Object.fromEntries(runs.rows.map((r) => [r.status, Number(r.n)])),
        steps: Number(steps.rows[0]?.n),
      };
    });
  return {
    call: runOnce,
    async verify() {
      await checkRun(await runOnce());
      const ids = await Promise.all(Array.from({ length: 64 }, () => runOnce()));
      for (const id of ids.slice(0, 8)) await checkRun(id);
      const mine: ClientFilter = (c) => c.database === database;
      const seq = await countStatements(mine, runOnce, 50, 1);
      const conc = await countStatements(mine, runOnce, 320, 32);
      const { byStatus, steps } = await counts();
      const runs = 1 + 64 + 50 + 320;
      if (byStatus.SUCCESS !== runs || Object.keys(byStatus).length !== 1 || steps !== runs * 3)
        throw new Error(`dbos-pg: ${JSON.stringify(byStatus)}, ${steps} steps after ${runs} runs`);
      return `${runs} runs SUCCESS with 3 steps each; PostgreSQL statements per workflow: ${seq.statements} sequential (${seq.begins} BEGIN), ${conc.statements} with 32 concurrent (${conc.begins} BEGIN)`;
    },
    async audit(calls) {
      const { byStatus, steps } = await counts();
      const total = Object.values(byStatus).reduce((a, b) => a + b, 0);
      if (byStatus.SUCCESS !== total || total < calls || steps !== total * 3)
        throw new Error(
          `dbos-pg after ${calls} calls: ${JSON.stringify(byStatus)}, ${steps} steps`,
        );
      return `${total} runs in the store, all SUCCESS, ${steps} steps`;
    },
  };
}

async function startRawPostgres(settings: Settings): Promise<Running> {
  const schema = `raw_bench_${settings.tag}`;
  onCleanup(`schema ${schema}`, dropSchema(settings.pgUrl, schema));
  await admin(settings.pgUrl, async (c) => {
    await c.query(`create schema ${schema}`);
    await c.query(
      `create table ${schema}.rows (id bigint generated always as identity primary key, v text not null)`,
    );
  });
  const pool = new pg.Pool({
    connectionString: settings.pgUrl,
    max: settings.poolSize,
    options: `-c search_path=${schema}`,
  });
  onCleanup("the raw pg pool", () => pool.end());
  const insert = () => pool.query("insert into rows (v) values ($1)", ["x"]);
  const count = async () =>
    Number((await pool.query<{ n: string }>("select count(*) as n from rows")).rows[0]?.n);
  return {
    call: insert,
    async verify() {
      await Promise.all(Array.from({ length: 64 }, insert));
      const seq = await countStatements(inSchema(schema), insert, 50, 1);
      if ((await count()) !== 114) throw new Error(`raw-pg: ${await count()} rows after 114`);
      return `114 rows inserted; ${seq.statements} statement per insert`;
    },
    async audit(calls) {
      const n = await count();
      if (n < calls) throw new Error(`raw-pg: ${n} rows after ${calls} inserts`);
      return `${n} rows in the table`;
    },
  };
}

/** better-sqlite3 as Weft's compiled build loads it (the repo root's: bench/ does not have it). */
function sqliteDriver(): typeof BetterSqlite3 {
  return createRequire(new URL("./node_modules/.cache/weft-dist/index.js", import.meta.url))(
    "better-sqlite3",
  );
}

async function startRawSqlite(settings: Settings): Promise<Running> {
  const Driver = sqliteDriver();
  const db = new Driver(join(settings.tmp, "raw.sqlite"));
  onCleanup("the raw SQLite connection", async () => {
    if (db.open) db.close();
  });
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("create table rows (id integer primary key, v text not null)");
  const statement = db.prepare("insert into rows (v) values (?)");
  const insert = async () => statement.run("x");
  const count = () => (db.prepare("select count(*) as n from rows").get() as { n: number }).n;
  return {
    call: insert,
    async verify() {
      await Promise.all(Array.from({ length: 64 }, insert));
      const mode = db.pragma("journal_mode", { simple: true });
      const sync = db.pragma("synchronous", { simple: true });
      if (count() !== 64 || mode !== "wal" || sync !== 2)
        throw new Error(`raw-sqlite: ${count()} rows, journal_mode ${mode}, synchronous ${sync}`);
      return "64 rows inserted; journal_mode=wal, synchronous=FULL";
    },
    async audit(calls) {
      const n = count();
      if (n < calls) throw new Error(`raw-sqlite: ${n} rows after ${calls} inserts`);
      return `${n} rows in the table`;
    },
  };
}

/** Sequential latency of contenders called in alternation: one call each, in rotating order. */
export interface PairedLatency {
  readonly calls: number;
  readonly rows: readonly { contender: string; p50: number; p90: number; p99: number }[];
  /** Weft p50 / DBOS p50 on PostgreSQL over the same alternation. */
  readonly weftOverDbosP50: number | undefined;
  /** The median over the pairs of (Weft call / DBOS call next to it). */
  readonly medianPairRatio: number | undefined;
}

/**
 * Times `calls` calls of each contender, one contender after the other (rotating who goes first),
 * so each contender's calls meet the same moments of a noisy machine as the others'. Latency in ms.
 */
async function pairedLatency(
  contenders: readonly { name: string; call: () => Promise<unknown> }[],
  calls: number,
): Promise<PairedLatency> {
  const samples = contenders.map(() => new Float64Array(calls));
  for (let i = 0; i < calls; i++) {
    for (let k = 0; k < contenders.length; k++) {
      const j = (i + k) % contenders.length;
      const start = performance.now();
      await (contenders[j] as (typeof contenders)[number]).call();
      (samples[j] as Float64Array)[i] = performance.now() - start;
    }
  }
  const at = (sorted: Float64Array, q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0) * 100) /
    100;
  const rows = contenders.map((c, j) => {
    const sorted = (samples[j] as Float64Array).slice().sort();
    return { contender: c.name, p50: at(sorted, 0.5), p90: at(sorted, 0.9), p99: at(sorted, 0.99) };
  });
  const weft = contenders.findIndex((c) => c.name === WEFT_PG);
  const dbos = contenders.findIndex((c) => c.name === DBOS_PG);
  if (weft < 0 || dbos < 0 || calls === 0)
    return { calls, rows, weftOverDbosP50: undefined, medianPairRatio: undefined };
  const ratios = (samples[weft] as Float64Array).map(
    (w, i) => w / ((samples[dbos] as Float64Array)[i] as number),
  );
  ratios.sort();
  return {
    calls,
    rows,
    weftOverDbosP50:
      Math.round(((rows[weft]?.p50 as number) / (rows[dbos]?.p50 as number)) * 1000) / 1000,
    medianPairRatio: Math.round((ratios[ratios.length >> 1] as number) * 1000) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

const WEFT_PG = "weft, PostgreSQL";
const DBOS_PG = "dbos, PostgreSQL";
const RAW_PG = "raw pg INSERT (autocommit, 1 row)";
const WEFT_SQLITE = "weft, SQLite";
const RAW_SQLITE = "raw better-sqlite3 INSERT (autocommit, 1 row)";

interface ContenderSpec {
  readonly id: string;
  readonly name: string;
  readonly store: "postgres" | "sqlite";
  /** What one call is: a workflow, or an insert (the practical limit). */
  readonly unit: "workflow" | "insert";
  readonly note: string;
  start(settings: Settings): Promise<Running>;
}

/** What the benchmark reports, also written as JSON. */
export interface WorkflowsReport {
  readonly benchmark: "workflows";
  readonly date: string;
  readonly node: string;
  readonly machine: { cpus: number; cpuModel: string; platform: string; arch: string };
  readonly versions: Record<string, string>;
  readonly postgres: { version: string; settings: Record<string, string> } | undefined;
  readonly poolSize: number;
  readonly options: Omit<MeasureOptions, "progress">;
  readonly contenders: readonly {
    id: string;
    name: string;
    store: string;
    unit: string;
    note: string;
    verified: string;
    audited: string;
  }[];
  readonly rows: readonly Row[];
  /** Sequential latency measured in alternation (undefined with fewer than two workflow contenders). */
  readonly paired: PairedLatency | undefined;
  readonly ratios: Ratios;
  /** The 1-minute load average: before, highest seen (sampled every 5 s), after. */
  readonly load: { start: number; max: number; end: number };
  readonly source: { commit: string; srcDirty: boolean } | undefined;
}

/** The figures the goals are about (undefined when a contender did not run). */
export interface Ratios {
  /** Weft / DBOS workflows per second on PostgreSQL, concurrent mode (goal ≥ 5). */
  readonly weftOverDbosThroughput: { wall: number; cpu: number } | undefined;
  /**
   * The same, round by round (both ran back to back in each round): median, lowest and highest of
   * the rounds' ratios. Steadier than the ratio of medians when the machine's load drifts.
   */
  readonly weftOverDbosThroughputPerRound: { median: number; min: number; max: number } | undefined;
  /** Weft p50 / DBOS p50, sequential (goal ≤ 0.4). */
  readonly weftOverDbosP50: number | undefined;
  /** Weft workflows per second on SQLite, concurrent mode (goal ≥ 5,000). */
  readonly weftSqliteThroughput: number | undefined;
  /** Workflows per second over raw inserts per second, per store and mode. */
  readonly workflowsPerInsert: Record<string, number>;
}

function sourceState(): { commit: string; srcDirty: boolean } | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: new URL("../", import.meta.url), encoding: "utf8" }).trim();
    return {
      commit: git("rev-parse", "HEAD"),
      srcDirty: git("status", "--porcelain", "--", "src") !== "",
    };
  } catch {
    return undefined;
  }
}

const version = (pkg: string, from = new URL("./", import.meta.url)): string =>
  JSON.parse(readFileSync(new URL(`node_modules/${pkg}/package.json`, from), "utf8")).version;

async function postgresInfo(url: string) {
  try {
    return await admin(url, async (c) => {
      const settings: Record<string, string> = {};
      for (const name of ["fsync", "synchronous_commit", "wal_sync_method", "commit_delay"]) {
        const r = await c.query<Record<string, string>>(`show ${name}`);
        settings[name] = Object.values(r.rows[0] ?? {})[0] ?? "?";
      }
      const v = await c.query<{ server_version: string }>("show server_version");
      return { version: v.rows[0]?.server_version ?? "?", settings };
    });
  } catch {
    return undefined;
  }
}

/** Runs the benchmark. */
export async function runWorkflows(
  options: Partial<Omit<MeasureOptions, "modes">> & {
    concurrency?: number;
    only?: string[];
    pgUrl?: string;
    poolSize?: number;
    tmpDir?: string;
    /** Calls per contender in the paired sequential latency measurement (0: skip it). */
    pairs?: number;
  } = {},
): Promise<WorkflowsReport> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const concurrency = options.concurrency ?? 32;
  const measureOptions: Omit<MeasureOptions, "progress"> = {
    modes: [
      { name: "sequential", concurrency: 1 },
      { name: `concurrent ${concurrency}`, concurrency },
    ],
    rounds: options.rounds ?? 9,
    roundMs: options.roundMs ?? 1500,
    warmupMs: options.warmupMs ?? 2000,
    latency: true,
    minCallsPerRound: 20,
    warmupBatch: 20,
    heapPerCall: false,
  };
  const all: ContenderSpec[] = [
    {
      id: "weft-pg",
      name: WEFT_PG,
      store: "postgres",
      unit: "workflow",
      note: "Weft's workflow engine, tsc build, production mode; createPostgresStore({ poolSize }) in a fresh schema; workflows(app).start(wf, input) then .result(id)",
      start: startWeftPostgres,
    },
    {
      id: "dbos-pg",
      name: DBOS_PG,
      store: "postgres",
      unit: "workflow",
      note: "DBOS Transact; system database in a fresh database on the same server, systemDatabasePoolSize the same; DBOS.startWorkflow(wf)(input) then handle.getResult(); steps with DBOS.runStep",
      start: startDbos,
    },
    {
      id: "raw-pg",
      name: RAW_PG,
      store: "postgres",
      unit: "insert",
      note: "pg.Pool of the same size, `insert into rows (v) values ($1)` into a one-table schema, autocommit",
      start: startRawPostgres,
    },
    {
      id: "weft-sqlite",
      name: WEFT_SQLITE,
      store: "sqlite",
      unit: "workflow",
      note: "the same app on createSqliteStore({ path }) (defaults: WAL, synchronous=FULL, group commit), a temporary file",
      start: startWeftSqlite,
    },
    {
      id: "raw-sqlite",
      name: RAW_SQLITE,
      store: "sqlite",
      unit: "insert",
      note: "better-sqlite3 (WAL, synchronous=FULL), a prepared one-row INSERT, autocommit; synchronous, so concurrency changes nothing",
      start: startRawSqlite,
    },
  ];
  const chosen = options.only === undefined ? all : all.filter((c) => options.only?.includes(c.id));
  if (chosen.length === 0)
    throw new Error(`no contender ${options.only}; known: ${all.map((c) => c.id).join(", ")}`);

  const pgUrl = options.pgUrl ?? "postgres://postgres@127.0.0.1:5432/test";
  const poolSize = options.poolSize ?? 10;
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  const tmp = mkdtempSync(join(options.tmpDir ?? tmpdir(), "weft-bench-workflows-"));
  onCleanup(`temporary folder ${tmp}`, async () => rmSync(tmp, { recursive: true, force: true }));
  const settings: Settings = { pgUrl, poolSize, tag, tmp };
  const stopSignals = cleanUpOnSignals(log);

  const load = { start: loadavg()[0] as number, max: loadavg()[0] as number, end: 0 };
  const sampler = setInterval(() => {
    load.max = Math.max(load.max, loadavg()[0] as number);
  }, 5000);
  sampler.unref();

  const pairs = options.pairs ?? 300;
  let paired: PairedLatency | undefined;
  const verified = new Map<string, string>();
  const audited = new Map<string, string>();
  let rows: Row[];
  try {
    const running: Running[] = [];
    for (const c of chosen) {
      log(`starting ${c.name}`);
      const r = await c.start(settings);
      running.push(r);
      const ok = await r.verify();
      verified.set(c.id, ok);
      log(`  verified: ${ok}`);
    }
    const calls = new Map<string, number>(chosen.map((c) => [c.id, 0]));
    const serverCpu = postgresCpuMs() === undefined ? undefined : postgresCpuMs;
    const contenders: Contender[] = chosen.map((c, i) => {
      const call = (running[i] as Running).call;
      return {
        name: c.name,
        note: c.note,
        call: () => {
          calls.set(c.id, (calls.get(c.id) as number) + 1);
          return call();
        },
        ...(c.store === "postgres" && serverCpu !== undefined
          ? { remoteCpuMs: async () => serverCpu() as number }
          : {}),
      };
    });
    rows = await measure(contenders, { ...measureOptions, progress: log });
    const workflowContenders = contenders.filter(
      (_, i) => (chosen[i] as ContenderSpec).unit === "workflow",
    );
    if (pairs > 0 && workflowContenders.length > 1) {
      log(`paired sequential latency: ${pairs} calls each, in alternation`);
      paired = await pairedLatency(workflowContenders, pairs);
    }
    for (const [i, c] of chosen.entries()) {
      const result = await (running[i] as Running).audit(calls.get(c.id) as number);
      audited.set(c.id, `${calls.get(c.id)} measured calls; ${result}`);
      log(`  audited ${c.name}: ${audited.get(c.id)}`);
    }
  } finally {
    clearInterval(sampler);
    await cleanUp(log);
    stopSignals();
  }
  load.end = loadavg()[0] as number;
  load.max = Math.max(load.max, load.end);

  const rowOf = (name: string, mode: string) =>
    rows.find((r) => r.contender === name && r.mode === mode);
  const seq = measureOptions.modes[0]?.name as string;
  const conc = measureOptions.modes[1]?.name as string;
  const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;
  const weftConc = rowOf(WEFT_PG, conc);
  const dbosConc = rowOf(DBOS_PG, conc);
  const weftSeq = rowOf(WEFT_PG, seq);
  const dbosSeq = rowOf(DBOS_PG, seq);
  const workflowsPerInsert: Record<string, number> = {};
  for (const [wf, raw, store] of [
    [WEFT_PG, RAW_PG, "postgres"],
    [DBOS_PG, RAW_PG, "postgres (dbos)"],
    [WEFT_SQLITE, RAW_SQLITE, "sqlite"],
  ] as const) {
    for (const mode of [seq, conc]) {
      const a = rowOf(wf, mode);
      const b = rowOf(raw, mode);
      if (a !== undefined && b !== undefined)
        workflowsPerInsert[`${store}, ${mode}`] = round(a.median / b.median);
    }
  }
  const perRound = (a: Row | undefined, b: Row | undefined) => {
    if (a === undefined || b === undefined || a.rounds.length !== b.rounds.length) return undefined;
    const xs = a.rounds.map((x, i) => x / (b.rounds[i] as number)).sort((p, q) => p - q);
    const mid = xs.length >> 1;
    const median =
      xs.length % 2 === 1
        ? (xs[mid] as number)
        : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
    return {
      median: round(median),
      min: round(xs[0] as number),
      max: round(xs[xs.length - 1] as number),
    };
  };
  const ratios: Ratios = {
    weftOverDbosThroughput:
      weftConc === undefined || dbosConc === undefined
        ? undefined
        : {
            wall: round(weftConc.median / dbosConc.median),
            cpu: round(weftConc.cpuMedian / dbosConc.cpuMedian),
          },
    weftOverDbosThroughputPerRound: perRound(weftConc, dbosConc),
    weftOverDbosP50:
      weftSeq?.latency === undefined || dbosSeq?.latency === undefined
        ? undefined
        : round(weftSeq.latency.p50 / dbosSeq.latency.p50),
    weftSqliteThroughput: rowOf(WEFT_SQLITE, conc)?.median,
    workflowsPerInsert,
  };
  const root = new URL("../", import.meta.url);
  return {
    ...reportHeader("workflows"),
    versions: {
      "@dbos-inc/dbos-sdk": version("@dbos-inc/dbos-sdk"),
      pg: version("pg"),
      "better-sqlite3": version("better-sqlite3", root),
      zod: version("zod"),
    },
    postgres: chosen.some((c) => c.store === "postgres") ? await postgresInfo(pgUrl) : undefined,
    poolSize,
    options: measureOptions,
    contenders: chosen.map((c) => ({
      id: c.id,
      name: c.name,
      store: c.store,
      unit: c.unit,
      note: c.note,
      verified: verified.get(c.id) ?? "",
      audited: audited.get(c.id) ?? "",
    })),
    rows,
    paired,
    ratios,
    load,
    source: sourceState(),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");
const ms = (micros: number | undefined) =>
  micros === undefined ? "n/a" : (micros / 1000).toFixed(micros < 10_000 ? 2 : 1);

/** CPU microseconds per operation, from operations per CPU-second. */
const perOp = (perCpuSecond: number | undefined) =>
  perCpuSecond === undefined || !Number.isFinite(perCpuSecond) || perCpuSecond <= 0
    ? "n/a"
    : fmt(Math.round(1e6 / perCpuSecond));

/** Renders the report as Markdown tables. */
export function formatWorkflows(report: WorkflowsReport): string {
  const unit = (name: string) =>
    report.contenders.find((c) => c.name === name)?.unit === "insert" ? "inserts" : "workflows";
  const pgSettings =
    report.postgres === undefined
      ? ""
      : `; PostgreSQL ${report.postgres.version} (${Object.entries(report.postgres.settings)
          .map(([k, v]) => `${k}=${v}`)
          .join(", ")})`;
  const lines = [
    "workflows of 3 trivial steps: started and awaited one at a time (sequential) and by concurrent starters",
    `node ${report.node}, ${report.machine.cpus} × ${report.machine.cpuModel}; @dbos-inc/dbos-sdk ${report.versions["@dbos-inc/dbos-sdk"]}, pg ${report.versions.pg} (pool ${report.poolSize}), better-sqlite3 ${report.versions["better-sqlite3"]}${pgSettings}`,
    `${report.options.rounds} rounds of ~${report.options.roundMs} ms per contender and mode after ${report.options.warmupMs} ms warm-up, contenders in rotating order; median, min–max, spread = (max − min) / median; latency: median over rounds of each round's p50 / p99, and p99 over all rounds pooled`,
    "",
    "| mode | contender | per second (median) | min – max | spread | p50 ms | p99 ms | p99 pooled ms | CPU µs/op, this process | CPU µs/op, PG server | GC time |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of report.rows) {
    lines.push(
      `| ${r.mode} | ${r.contender} | ${fmt(r.median)} ${unit(r.contender)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.spreadPct}% | ${ms(r.latency?.p50)} | ${ms(r.latency?.p99)} | ${ms(r.latency?.pooledP99)} | ${perOp(r.cpuMedian)} | ${perOp(r.remoteCpuMedian)} | ${r.gcPct}% |`,
    );
  }
  const { ratios, paired } = report;
  if (paired !== undefined) {
    lines.push(
      "",
      `sequential latency in alternation (${fmt(paired.calls)} calls each, one of each in turn):`,
      "",
      "| contender | p50 ms | p90 ms | p99 ms |",
      "|---|---:|---:|---:|",
      ...paired.rows.map((r) => `| ${r.contender} | ${r.p50} | ${r.p90} | ${r.p99} |`),
    );
  }
  lines.push("", "| goal | measured | met |", "|---|---:|---|");
  if (ratios.weftOverDbosThroughput !== undefined)
    lines.push(
      `| Weft / DBOS throughput on PostgreSQL, concurrent ≥ 5× (ratio of medians) | ${ratios.weftOverDbosThroughput.wall.toFixed(2)}× (per CPU-s of this process: ${ratios.weftOverDbosThroughput.cpu.toFixed(2)}×) | ${ratios.weftOverDbosThroughput.wall >= 5 ? "yes" : "no"} |`,
    );
  const byRound = ratios.weftOverDbosThroughputPerRound;
  if (byRound !== undefined)
    lines.push(
      `| Weft / DBOS throughput on PostgreSQL, concurrent ≥ 5× (median of per-round ratios; range) | ${byRound.median.toFixed(2)}× (${byRound.min.toFixed(2)}–${byRound.max.toFixed(2)}×) | ${byRound.median >= 5 ? "yes" : "no"} |`,
    );
  if (ratios.weftOverDbosP50 !== undefined)
    lines.push(
      `| Weft p50 / DBOS p50, sequential ≤ 0.4× (medians of round p50s) | ${ratios.weftOverDbosP50.toFixed(2)}× | ${ratios.weftOverDbosP50 <= 0.4 ? "yes" : "no"} |`,
    );
  if (paired?.weftOverDbosP50 !== undefined && paired.medianPairRatio !== undefined)
    lines.push(
      `| Weft p50 / DBOS p50, sequential ≤ 0.4× (in alternation; median per-pair ratio ${paired.medianPairRatio.toFixed(2)}×) | ${paired.weftOverDbosP50.toFixed(2)}× | ${paired.weftOverDbosP50 <= 0.4 ? "yes" : "no"} |`,
    );
  if (ratios.weftSqliteThroughput !== undefined)
    lines.push(
      `| Weft on SQLite, concurrent ≥ 5,000 workflows/s | ${fmt(ratios.weftSqliteThroughput)}/s | ${ratios.weftSqliteThroughput >= 5000 ? "yes" : "no"} |`,
    );
  const cpuPerOp = (name: string, mode: string) => {
    const r = report.rows.find((x) => x.contender === name && x.mode === mode);
    if (r?.remoteCpuMedian === undefined || r.cpuMedian <= 0 || r.remoteCpuMedian <= 0)
      return undefined;
    return 1e6 / r.cpuMedian + 1e6 / r.remoteCpuMedian;
  };
  for (const mode of report.options.modes.map((m) => m.name)) {
    const w = cpuPerOp(WEFT_PG, mode);
    const d = cpuPerOp(DBOS_PG, mode);
    if (w !== undefined && d !== undefined)
      lines.push(
        `| (information) CPU per workflow, this process + PostgreSQL server, ${mode}: DBOS / Weft | ${fmt(Math.round(d))} µs / ${fmt(Math.round(w))} µs = ${(d / w).toFixed(2)}× | |`,
      );
  }
  const perInsert = Object.entries(ratios.workflowsPerInsert);
  if (perInsert.length > 0) {
    lines.push(
      "",
      "| workflows/s over raw inserts/s (the store's practical limit) | ratio |",
      "|---|---:|",
    );
    for (const [k, v] of perInsert) lines.push(`| ${k} | ${v.toFixed(3)} |`);
  }
  lines.push("");
  for (const c of report.contenders)
    lines.push(`- ${c.name}: ${c.note}. Checked: ${c.verified}. After: ${c.audited}.`);
  lines.push(
    `load average (1 min): ${report.load.start.toFixed(2)} before, ${report.load.max.toFixed(2)} highest, ${report.load.end.toFixed(2)} after${report.source === undefined ? "" : `; commit ${report.source.commit.slice(0, 12)}${report.source.srcDirty ? " with uncommitted changes in src/" : ""}`}`,
  );
  return lines.join("\n");
}

/** Options of this benchmark from the environment (BENCH_* plus the store settings). */
export function workflowOptionsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const base = optionsFromEnv(env);
  const pool = env.BENCH_PG_POOL;
  return {
    ...base,
    pgUrl: env.BENCH_DATABASE_URL || undefined,
    poolSize: pool === undefined || pool === "" ? undefined : Number(pool),
    tmpDir: env.BENCH_TMPDIR || undefined,
    pairs:
      env.BENCH_PAIRS === undefined || env.BENCH_PAIRS === "" ? undefined : Number(env.BENCH_PAIRS),
  };
}

if (isMain(import.meta.url)) {
  const report = await runWorkflows(workflowOptionsFromEnv());
  console.log(formatWorkflows(report));
  console.log(`\nwrote ${writeReport("workflows", report)}`);
  // DBOS and pg may keep timers or sockets alive after shutdown: end the process.
  process.exit(0);
}
