/**
 * Events end to end: events per second from `ctx.publish` inside `ctx.tx` (the transactional
 * outbox) to a subscriber's handler, and the lag from the publisher's commit to the handler's
 * return. Deployments (contenders), each in its own app name, hence its own PostgreSQL schema,
 * SQLite file or JetStream stream, all removed at the end:
 *
 * - `sqlite`: one process, SQLite store (Weft's defaults), the in-process durable queue.
 * - `pg`: one process, PostgreSQL store, the in-process durable queue.
 * - `split`: PostgreSQL + NATS JetStream: publisher process(es) running the publishing service
 *   (group `orders`) and one consumer process running one subscribing service (group `consumers`).
 * - `split-2`: the same with two subscribing services in the consumer process (each event is
 *   handled twice: events/s counts events handled by both).
 *
 * Every process is a child of this one (`events.ts worker <json>`, forked with an IPC channel), so
 * the CPU of each is read apart from this coordinator's. The load generator runs inside the
 * publishing process (in-process calls to the publishing service, as a gateway would make them):
 * each call is one transaction `ctx.tx(() => ctx.publish(topic, event) × k)`, k = 1 or 10.
 *
 * Phases of each contender, each starting from an empty backlog:
 * 1. throughput, k = 1 and k = 10: closed loop, `BENCH_CONCURRENCY` transactions in flight per
 *    publishing process, paused while more than `BENCH_BACKLOG` committed events wait for their
 *    handlers (publishers may not outrun the consumers: the rate is what the system absorbs, not
 *    what the outbox swallows); `BENCH_ROUNDS` rounds of `BENCH_ROUND_MS`, events/s per round.
 * 2. lag: open loop at a fixed rate, `BENCH_LAG_SHARES` (default 0.5) of the k = 1 median, for
 *    `BENCH_LAG_MS`; lag = handler done − the publisher's commit (the moment its `ctx.tx`
 *    resolved), joined by the event's (publisher, sequence) carried in the event. Both times are
 *    read on the same machine's clock (`performance.timeOrigin + performance.now()`).
 *
 * Measured beside the rates: CPU of every process (publisher(s), consumer, this coordinator) and of
 * PostgreSQL (this run's connections plus the server's background processes, and all `postgres`
 * processes) and nats-server, from /proc; the machine's busy share (/proc/stat) and load average;
 * the statements, BEGINs and commits each process sends to PostgreSQL (pg's `Client.query`
 * wrapped); the database's commits (pg_stat_database, shared with any other client). At the end
 * every committed event must have been handled once by each subscribing service (no loss, no
 * duplicate, nothing from a rolled-back transaction), the outbox must be empty of unpublished rows
 * and the inbox must hold one processed mark per event and service.
 *
 * Run alone: `npm run bench:events` (in bench/). Knobs (env): BENCH_ONLY (sqlite, pg, split,
 * split-2), BENCH_ROUNDS (3), BENCH_ROUND_MS (4000), BENCH_WARMUP_MS (3000), BENCH_CONCURRENCY
 * (64 transactions in flight per publishing process), BENCH_PUBLISHERS (publishing processes when
 * split, 1), BENCH_BACKLOG (4000 events), BENCH_LAG_MS (8000), BENCH_LAG_SHARES (0.5),
 * BENCH_HANDLER_CONCURRENCY (the subscription's `concurrency`; Weft's default 16 when unset),
 * BENCH_DATABASE_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_NATS_URL (else
 * WEFT_NATS_URL, else nats://127.0.0.1:4222), BENCH_TMPDIR (SQLite files), BENCH_NON_DURABLE=1
 * (PostgreSQL sessions with `synchronous_commit=off`: a commit may be lost in a server crash; the
 * report says NON-DURABLE), BENCH_WORKER_NODE_ARGS (extra node flags for the processes, e.g.
 * `--cpu-prof --cpu-prof-dir=prof`).
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { z } from "zod";
import { isMain, reportHeader, writeReport } from "./measure.js";
import { importBuiltWeft, importCompiledWeft, type Weft } from "./weft-build.js";

/** Wall-clock ms with sub-ms resolution, comparable across processes of this machine. */
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------------------------------------
// The app, the same in every process: a publishing service and one or two subscribers.

const Event = z.object({
  p: z.number().int(),
  i: z.number().int(),
  orderId: z.string(),
  total: z.number(),
});
const Place = z.object({
  p: z.number().int(),
  from: z.number().int(),
  count: z.number().int().min(1).max(100),
});
const SUBSCRIBERS = ["email", "loyalty"] as const;

interface Hooks {
  committed(p: number, from: number, count: number, at: number): void;
  handled(service: number, p: number, i: number, at: number): void;
}

function benchApp(
  weft: Weft,
  name: string,
  subscribers: number,
  hooks: Hooks,
  concurrency?: number,
) {
  const { defineApp, defineService, defineTopic, method, subscribe } = weft;
  const placed = defineTopic("order.placed", Event);
  const orders = defineService("orders", {
    place: method({ input: Place, output: z.object({ n: z.number() }) }),
  });
  const ordersImpl = orders.implement({
    async place(ctx, { p, from, count }) {
      await ctx.tx(async () => {
        for (let k = 0; k < count; k++) {
          const i = from + k;
          await ctx.publish(placed, { p, i, orderId: `o-${p}-${i}`, total: 42 });
        }
      });
      hooks.committed(p, from, count, now());
      return { n: count };
    },
  });
  const names = SUBSCRIBERS.slice(0, subscribers);
  const consumers = names.map((service, s) =>
    defineService(service, {}).implement(
      {},
      {
        subscriptions: [
          subscribe(
            placed,
            async (_ctx, event) => {
              hooks.handled(s, event.p, event.i, now());
            },
            concurrency === undefined ? {} : { concurrency },
          ),
        ],
      },
    ),
  );
  return {
    orders,
    definition: defineApp({
      name,
      services: [ordersImpl, ...consumers],
      topics: [placed],
      groups: { orders: ["orders"], consumers: [...names] },
    }),
  };
}

// ---------------------------------------------------------------------------------------------
// The worker process.

interface WorkerConfig {
  readonly role: "all" | "publisher" | "consumer";
  readonly app: string;
  /** The publisher's index: the `p` of its events. */
  readonly index: number;
  readonly subscribers: number;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly natsUrl?: string;
  readonly handlerConcurrency?: number;
}

type ToWorker =
  | { t: "closed"; concurrency: number; eventsPerTx: number; limit: number }
  | { t: "open"; txPerSecond: number; eventsPerTx: number }
  | { t: "idle"; id: number }
  | { t: "backlog"; n: number }
  | { t: "sample"; id: number }
  | { t: "records"; id: number }
  | { t: "stats"; id: number }
  | { t: "stop" };

/** A worker's counters, as sampled. */
interface WorkerSample {
  at: number;
  committed: number;
  failed: number;
  skipped: number;
  next: number;
  handled: number[];
  duplicates: number[];
  pg: PgCounts;
  lastError?: string;
}

interface PgCounts {
  statements: number;
  begins: number;
  commits: number;
  autocommits: number;
}

type FromWorker =
  | { t: "ready"; pid: number }
  | { t: "failed"; message: string }
  | { t: "counts"; committed: number; handled: number[] }
  | { t: "reply"; id: number; value: unknown; error?: string };

/** Growable array of times (ms) indexed by an event's sequence number; 0 = none. */
class Times {
  private data = new Float64Array(4096);
  length = 0;
  get(i: number): number {
    return this.data[i] ?? 0;
  }
  set(i: number, t: number): void {
    if (i >= this.data.length) {
      let n = this.data.length;
      while (n <= i) n *= 2;
      const grown = new Float64Array(n);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[i] = t;
    if (i >= this.length) this.length = i + 1;
  }
  snapshot(): Float64Array {
    return this.data.slice(0, this.length);
  }
}

/** With BENCH_SQL_PROFILE=1: statements by their first 60 characters, printed on stop. */
const byKind = process.env.BENCH_SQL_PROFILE === "1" ? new Map<string, number>() : undefined;

/** Counts what this process sends to PostgreSQL (the same pg module Weft loads). */
function countPgStatements(counts: PgCounts): void {
  const inTx = new WeakSet<object>();
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function counted(this: object, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === "string" ? first : (first as { text?: unknown })?.text;
    counts.statements++;
    if (byKind !== undefined && typeof text === "string") {
      const kind = text.replace(/\s+/g, " ").replace(/\d+/g, "N").trim().slice(0, 60);
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    if (typeof text === "string") {
      const head = text.trimStart().slice(0, 8).toUpperCase();
      if (head.startsWith("BEGIN")) {
        counts.begins++;
        inTx.add(this);
      } else if (head.startsWith("COMMIT")) {
        counts.commits++;
        inTx.delete(this);
      } else if (head.startsWith("ROLLBACK") && !head.startsWith("ROLLBACK T")) inTx.delete(this);
      else if (!inTx.has(this)) counts.autocommits++;
    }
    return query.apply(this, args);
  };
}

async function work(config: WorkerConfig): Promise<void> {
  const send = (m: FromWorker) => process.send?.(m);
  process.on("disconnect", () => process.exit(0));
  const pgCounts: PgCounts = { statements: 0, begins: 0, commits: 0, autocommits: 0 };
  if (config.databaseUrl !== undefined) countPgStatements(pgCounts);
  const weft = await importBuiltWeft();

  // Publisher state.
  const commits = new Times();
  let next = 0;
  let committed = 0;
  let failed = 0;
  let skipped = 0;
  let inflight = 0;
  let lastError: string | undefined;
  // Consumer state: per subscriber, per publisher, when each event was handled.
  const done: Times[][] = SUBSCRIBERS.slice(0, config.subscribers).map(() => []);
  const handled = done.map(() => 0);
  const duplicates = done.map(() => 0);

  const hooks: Hooks = {
    committed(_p, from, count, at) {
      for (let k = 0; k < count; k++) commits.set(from + k, at);
      committed += count;
    },
    handled(s, p, i, at) {
      const perPublisher = done[s] as Times[];
      const series = perPublisher[p] ?? new Times();
      perPublisher[p] = series;
      if (series.get(i) !== 0) (duplicates[s] as number)++;
      else {
        series.set(i, at);
        (handled[s] as number)++;
      }
    },
  };
  const { orders, definition } = benchApp(
    weft,
    config.app,
    config.subscribers,
    hooks,
    config.handlerConcurrency,
  );
  const app = weft.createApp(definition, {
    env: { NODE_ENV: "production" },
    config: {
      logLevel: "silent",
      ...(config.databaseUrl === undefined ? {} : { databaseUrl: config.databaseUrl }),
      ...(config.dataDir === undefined ? {} : { dataDir: config.dataDir }),
      ...(config.natsUrl === undefined ? {} : { natsUrl: config.natsUrl }),
    },
    ...(config.role === "all"
      ? {}
      : { group: config.role === "publisher" ? "orders" : "consumers" }),
  });
  try {
    await app.start();
  } catch (e) {
    setTimeout(() => process.exit(1), 2000).unref();
    process.send?.(
      { t: "failed", message: (e as Error).stack ?? String(e) } satisfies FromWorker,
      () => process.exit(1),
    );
    return;
  }
  const client = app.client(orders);

  // The load: closed loop (bounded by the backlog the coordinator reports) or a fixed rate.
  let generation = 0;
  let backlog = 0;
  let reportedCommitted = 0;
  let backlogWaiters: (() => void)[] = [];
  const placeOne = async (count: number) => {
    const from = next;
    next += count;
    inflight++;
    try {
      await client.place({ p: config.index, from, count });
    } catch (e) {
      failed += count;
      lastError = (e as Error).message;
    } finally {
      inflight--;
    }
  };
  const startClosed = (concurrency: number, eventsPerTx: number, limit: number) => {
    const gen = ++generation;
    for (let w = 0; w < concurrency; w++) {
      void (async () => {
        while (gen === generation) {
          // In one process the backlog is known here; split, the coordinator reports it.
          const known =
            config.role === "all"
              ? committed - Math.min(...handled)
              : backlog + (committed - reportedCommitted);
          if (known + inflight * eventsPerTx >= limit) {
            await new Promise<void>((resolve) => {
              backlogWaiters.push(resolve);
              setTimeout(resolve, 20);
            });
            continue;
          }
          // Each publish starts in its own turn of the event loop, as a request from outside
          // would: a loop of calls chained in microtasks alone would starve timers and I/O on a
          // synchronous store (SQLite), and batch commits no caller would.
          await new Promise((resolve) => setImmediate(resolve));
          if (gen === generation) await placeOne(eventsPerTx);
        }
      })();
    }
  };
  const startOpen = (txPerSecond: number, eventsPerTx: number) => {
    const gen = ++generation;
    const start = performance.now();
    let issued = 0;
    const tick = () => {
      if (gen !== generation) return;
      const due = Math.floor(((performance.now() - start) / 1000) * txPerSecond);
      while (issued < due) {
        issued++;
        // Far behind: the system does not absorb this rate; say so instead of piling up calls.
        if (inflight < 20_000) setImmediate(() => void placeOne(eventsPerTx));
        else skipped += eventsPerTx;
      }
      setTimeout(tick, 2);
    };
    tick();
  };
  const idle = async () => {
    generation++;
    while (inflight > 0) await new Promise((r) => setTimeout(r, 5));
  };

  const counter = setInterval(() => {
    reportedCommitted = committed;
    send({ t: "counts", committed, handled: [...handled] });
  }, 25);
  counter.unref();

  const sample = (): WorkerSample => ({
    at: now(),
    committed,
    failed,
    skipped,
    next,
    handled: [...handled],
    duplicates: [...duplicates],
    pg: { ...pgCounts },
    ...(lastError === undefined ? {} : { lastError }),
  });

  process.on("message", (m: ToWorker) => {
    const reply = (id: number, value: unknown) => send({ t: "reply", id, value });
    const answer = (id: number, work: Promise<unknown>) =>
      work.then(
        (value) => reply(id, value),
        (e: unknown) =>
          send({ t: "reply", id, value: undefined, error: (e as Error).message ?? String(e) }),
      );
    switch (m.t) {
      case "closed":
        startClosed(m.concurrency, m.eventsPerTx, m.limit);
        break;
      case "open":
        startOpen(m.txPerSecond, m.eventsPerTx);
        break;
      case "backlog": {
        backlog = m.n;
        const waiters = backlogWaiters;
        backlogWaiters = [];
        for (const w of waiters) w();
        break;
      }
      case "idle":
        void answer(
          m.id,
          idle().then(() => sample()),
        );
        break;
      case "sample":
        reply(m.id, sample());
        break;
      case "records":
        reply(m.id, {
          commits: commits.snapshot(),
          done: done.map((perPublisher) => perPublisher.map((t) => t?.snapshot())),
        });
        break;
      case "stats":
        void answer(m.id, weft.events(app).stats());
        break;
      case "stop": {
        clearInterval(counter);
        if (byKind !== undefined)
          process.stderr.write(
            `${config.role} ${process.pid}: statements by kind\n${[...byKind]
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => `  ${n}\t${k}`)
              .join("\n")}\n`,
          );
        generation++;
        setTimeout(() => process.exit(0), 10_000).unref();
        void app.stop({ grace: 5000 }).finally(() => process.exit(0));
        break;
      }
    }
  });
  send({ t: "ready", pid: process.pid });
}

// ---------------------------------------------------------------------------------------------
// Workers, seen from the coordinator.

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

function installChildCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on("exit", () => {
    for (const child of children) child.kill("SIGKILL");
  });
}

const workerNodeArgs = () => (process.env.BENCH_WORKER_NODE_ARGS ?? "").split(" ").filter(Boolean);

class Worker {
  latest = { committed: 0, handled: [] as number[] };
  private nextId = 0;
  private readonly waiting = new Map<number, (value: unknown, error?: string) => void>();
  stopping = false;

  private constructor(
    readonly config: WorkerConfig,
    readonly child: ChildProcess,
    readonly pid: number,
  ) {
    child.on("message", (m: FromWorker) => {
      if (m.t === "counts") this.latest = { committed: m.committed, handled: m.handled };
      else if (m.t === "reply") {
        this.waiting.get(m.id)?.(m.value, m.error);
        this.waiting.delete(m.id);
      }
    });
  }

  static start(config: WorkerConfig): Promise<Worker> {
    installChildCleanup();
    const child = fork(fileURLToPath(import.meta.url), ["worker", JSON.stringify(config)], {
      execArgv: ["--import", import.meta.resolve("tsx"), ...workerNodeArgs()],
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    children.add(child);
    return new Promise((resolve, reject) => {
      let worker: Worker | undefined;
      const timer = setTimeout(() => {
        reject(new Error(`the ${config.role} worker did not start within 60 s`));
        child.kill("SIGKILL");
      }, 60_000);
      child.on("exit", (code, signal) => {
        children.delete(child);
        clearTimeout(timer);
        const why = new Error(`the ${config.role} worker exited (code ${code}, signal ${signal})`);
        if (worker === undefined) reject(why);
        else if (!worker.stopping) {
          process.stderr.write(`${why.message} during the run; stopping\n`);
          process.exit(1);
        }
      });
      child.on("message", (m: FromWorker) => {
        if (m.t === "failed") {
          clearTimeout(timer);
          reject(new Error(`the ${config.role} worker failed to start: ${m.message}`));
        } else if (m.t === "ready") {
          clearTimeout(timer);
          worker = new Worker(config, child, m.pid);
          resolve(worker);
        }
      });
    });
  }

  send(m: ToWorker): void {
    this.child.send(m);
  }

  /** Asks the worker; fails when it answers with an error or not within `timeoutMs`. */
  request<T>(m: { t: "idle" | "sample" | "records" | "stats" }, timeoutMs = 120_000): Promise<T> {
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(
          new Error(`the ${this.config.role} worker did not answer ${m.t} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.waiting.set(id, (value, error) => {
        clearTimeout(timer);
        if (error === undefined) resolve(value as T);
        else reject(new Error(`the ${this.config.role} worker failed ${m.t}: ${error}`));
      });
      this.child.send({ ...m, id } as ToWorker);
    });
  }

  stop(): Promise<void> {
    this.stopping = true;
    return new Promise<void>((done) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) return done();
      const kill = setTimeout(() => this.child.kill("SIGKILL"), 15_000);
      this.child.once("exit", () => {
        clearTimeout(kill);
        done();
      });
      try {
        this.send({ t: "stop" });
      } catch {
        this.child.kill("SIGKILL");
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Resources: CPU per process from /proc, PostgreSQL's commits, the machine's load.

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of a process, in ticks; undefined when it is gone. */
function processTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** Pids of every process whose name is `name`. */
function pidsNamed(name: string): number[] {
  const out: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const pid of entries) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() === name) out.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Busy and total jiffies of all CPUs (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  try {
    const f = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** CPU groups: name → pids. Ticks are read per pid so processes that come and go count right. */
type Groups = Record<string, readonly number[]>;

interface Snapshot {
  at: number;
  ticks: Record<string, Map<number, number>>;
  machine: { busy: number; total: number };
  dbCommits: number | undefined;
}

/** CPU share (% of one core) of each group between two snapshots. */
function cpuBetween(a: Snapshot, b: Snapshot): Record<string, number> {
  const seconds = (b.at - a.at) / 1000;
  const out: Record<string, number> = {};
  for (const [group, after] of Object.entries(b.ticks)) {
    const before = a.ticks[group] ?? new Map<number, number>();
    let ticks = 0;
    // A pid new since `a` started within the interval: all its ticks are in it.
    for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
    out[group] = Math.round((ticks / CLOCK_TICKS / seconds) * 1000) / 10;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL and NATS administration.

async function pgAdmin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: "weft-bench-admin" });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Pids of this run's PostgreSQL connections and of the server's background processes. */
async function postgresPids(
  admin: pg.Client,
  tag: string,
): Promise<{ ours: number[]; background: number[] }> {
  const r = await admin.query<{ pid: number; backend_type: string; application_name: string }>(
    "select pid, backend_type, application_name from pg_stat_activity",
  );
  return {
    ours: r.rows.filter((x) => x.application_name === tag).map((x) => x.pid),
    background: r.rows.filter((x) => x.backend_type !== "client backend").map((x) => x.pid),
  };
}

async function postgresInfo(url: string) {
  return pgAdmin(url, async (c) => {
    const settings: Record<string, string> = {};
    for (const name of [
      "server_version",
      "fsync",
      "synchronous_commit",
      "wal_sync_method",
      "commit_delay",
      "shared_buffers",
    ]) {
      const r = await c.query<Record<string, string>>(`show ${name}`);
      settings[name] = Object.values(r.rows[0] ?? {})[0] ?? "?";
    }
    return settings;
  });
}

/** A JetStream API request over plain NATS (no JetStream client needed here). */
async function jsApi(natsUrl: string, subject: string): Promise<Record<string, unknown>> {
  const nc = await connect({ servers: natsUrl, name: "weft-bench-events-admin" });
  try {
    const reply = await nc.request(subject, new Uint8Array(0), { timeout: 10_000 });
    return JSON.parse(new TextDecoder().decode(reply.data)) as Record<string, unknown>;
  } finally {
    await nc.close();
  }
}

const streamName = (app: string) => `WEFT_EVENTS_${app.replace(/[^A-Za-z0-9_-]/g, "_")}`;

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface Settings {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
  readonly concurrency: number;
  readonly publishers: number;
  readonly backlog: number;
  readonly lagMs: number;
  readonly lagShares: readonly number[];
  /** Events per transaction of the throughput phases (the lag runs at a share of the first). */
  readonly eventsPerTx: readonly number[];
  readonly handlerConcurrency: number | undefined;
  readonly pgUrl: string;
  readonly natsUrl: string;
  readonly tmpDir: string;
  readonly nonDurable: boolean;
}

interface ContenderSpec {
  readonly id: string;
  readonly name: string;
  readonly store: "sqlite" | "postgres";
  readonly split: boolean;
  readonly subscribers: number;
}

const CONTENDERS: readonly ContenderSpec[] = [
  { id: "sqlite", name: "one process, SQLite", store: "sqlite", split: false, subscribers: 1 },
  { id: "pg", name: "one process, PostgreSQL", store: "postgres", split: false, subscribers: 1 },
  {
    id: "split",
    name: "split, PostgreSQL + JetStream",
    store: "postgres",
    split: true,
    subscribers: 1,
  },
  {
    id: "split-2",
    name: "split, PostgreSQL + JetStream, 2 subscribers",
    store: "postgres",
    split: true,
    subscribers: 2,
  },
];

/** Latency percentiles, ms. */
interface Lag {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

/** One measured round (or the lag phase as a whole). */
interface Round {
  seconds: number;
  /** Events handled by every subscriber, per second. */
  events: number;
  /** Handler runs per second (events × subscribers). */
  deliveries: number;
  /** Events committed by the publishers, per second. */
  committed: number;
  /** CPU, % of one core, per group. */
  cpu: Record<string, number>;
  /** Share of the machine's CPUs busy, %. */
  machineBusy: number;
  /** Commits per second this run's processes asked PostgreSQL for (COMMIT + autocommit). */
  pgCommits: number | undefined;
  /** The whole database's commits per second (pg_stat_database; other clients included). */
  dbCommits: number | undefined;
  /** Statements sent to PostgreSQL per event handled (all processes). */
  statementsPerEvent: number | undefined;
  loadAvg: number;
  /** At the round's end: committed events not yet relayed (outbox), and not yet handled (total). */
  backlog: { outbox: number; total: number };
}

interface Phase {
  name: string;
  eventsPerTx: number;
  /** Closed loop: the rounds; fixed rate: one. */
  rounds: Round[];
  /** Median of the rounds' events/s. */
  median: number;
  min: number;
  max: number;
  /** Fixed-rate phases: the offered rate. */
  offered?: number;
  /** Lag from commit to handler done over the phase's events. */
  lag: Lag | undefined;
  /** Publish calls that failed, or were skipped at a rate not absorbed. */
  failed: number;
  skipped: number;
  /** Sequence ranges of the phase per publisher (for the lag join). */
  ranges: [number, number][];
}

interface ContenderResult {
  id: string;
  name: string;
  processes: string[];
  phases: Phase[];
  verified: string;
  problems: string[];
}

/** What the benchmark reports, also written as JSON. */
export interface EventsReport extends ReturnType<typeof reportHeader<"events">> {
  settings: Omit<Settings, "pgUrl" | "natsUrl" | "tmpDir">;
  postgres: Record<string, string> | undefined;
  natsServer: string | undefined;
  results: ContenderResult[];
  load: { start: number; max: number; end: number };
  source: { commit: string; srcDirty: boolean } | undefined;
}

function quantiles(values: number[]): Lag | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  const q = (x: number) =>
    Math.round(
      (sorted[
        Math.min(sorted.length - 1, Math.max(0, Math.ceil(x * sorted.length) - 1))
      ] as number) * 100,
    ) / 100;
  return {
    count: sorted.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    p999: q(0.999),
    max: Math.round((sorted[sorted.length - 1] as number) * 100) / 100,
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0
    ? 0
    : s.length % 2 === 1
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function runContender(
  spec: ContenderSpec,
  settings: Settings,
  log: (line: string) => void,
  onCleanup: (what: string, run: () => Promise<unknown>) => void,
): Promise<ContenderResult> {
  const tag = `evbench_${spec.id.replace(/-/g, "_")}_${process.pid}_${Date.now().toString(36)}`;
  const problems: string[] = [];
  let databaseUrl: string | undefined;
  let dataDir: string | undefined;
  if (spec.store === "postgres") {
    const url = new URL(settings.pgUrl);
    url.searchParams.set("application_name", tag);
    if (settings.nonDurable) url.searchParams.set("options", "-c synchronous_commit=off");
    databaseUrl = url.toString();
    onCleanup(`schema ${tag}`, () =>
      pgAdmin(settings.pgUrl, (c) => c.query(`drop schema if exists ${tag} cascade`)),
    );
  } else {
    dataDir = mkdtempSync(join(settings.tmpDir, "weft-bench-events-"));
    const dir = dataDir;
    onCleanup(`folder ${dir}`, async () => rmSync(dir, { recursive: true, force: true }));
  }
  const natsUrl = spec.split ? settings.natsUrl : undefined;
  if (natsUrl !== undefined)
    onCleanup(`stream ${streamName(tag)}`, () =>
      jsApi(natsUrl, `$JS.API.STREAM.DELETE.${streamName(tag)}`),
    );
  const base = {
    app: tag,
    subscribers: spec.subscribers,
    ...(databaseUrl === undefined ? {} : { databaseUrl }),
    ...(dataDir === undefined ? {} : { dataDir }),
    ...(natsUrl === undefined ? {} : { natsUrl }),
    ...(settings.handlerConcurrency === undefined
      ? {}
      : { handlerConcurrency: settings.handlerConcurrency }),
  };
  // The consumer first: it creates the stream's durable consumers before events flow.
  const workers: Worker[] = [];
  const stopAll = async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers.length = 0;
  };
  onCleanup(`the ${spec.id} processes`, stopAll);
  if (spec.split) {
    workers.push(await Worker.start({ ...base, role: "consumer", index: 0 }));
    for (let p = 0; p < settings.publishers; p++)
      workers.push(await Worker.start({ ...base, role: "publisher", index: p }));
  } else {
    workers.push(await Worker.start({ ...base, role: "all", index: 0 }));
  }
  const publishers = workers.filter((w) => w.config.role !== "consumer");
  const consumers = workers.filter((w) => w.config.role !== "publisher");
  const processes = workers.map((w) =>
    w.config.role === "all" ? "app (publisher + consumer)" : `${w.config.role} ${w.pid}`,
  );

  const committedTotal = () => publishers.reduce((n, w) => n + w.latest.committed, 0);
  const handledAll = (latest = consumers.map((w) => w.latest.handled)) => {
    let min = Number.POSITIVE_INFINITY;
    for (let s = 0; s < spec.subscribers; s++)
      min = Math.min(
        min,
        latest.reduce((n, h) => n + (h[s] ?? 0), 0),
      );
    return min;
  };
  const feeder = setInterval(() => {
    const n = committedTotal() - handledAll();
    for (const w of publishers) w.send({ t: "backlog", n });
  }, 25);

  const admin =
    spec.store === "postgres" ? new pg.Client({ connectionString: settings.pgUrl }) : undefined;
  await admin?.connect();
  onCleanup("the admin connection", async () => admin?.end());
  const groups = async (): Promise<Groups> => {
    const out: Record<string, number[]> = {};
    for (const w of workers)
      out[w.config.role === "all" ? "app" : w.config.role] = [
        ...(out[w.config.role === "all" ? "app" : w.config.role] ?? []),
        w.pid,
      ];
    out.coordinator = [process.pid];
    if (admin !== undefined) {
      const { ours, background } = await postgresPids(admin, tag);
      out.postgres = [...ours, ...background];
      out["postgres (all)"] = pidsNamed("postgres");
    }
    if (spec.split) out["nats-server"] = pidsNamed("nats-server");
    return out;
  };
  const snapshot = async (): Promise<Snapshot> => {
    const g = await groups();
    const ticks: Record<string, Map<number, number>> = {};
    for (const [name, pids] of Object.entries(g)) {
      const m = new Map<number, number>();
      for (const pid of pids) {
        const t = processTicks(pid);
        if (t !== undefined) m.set(pid, t);
      }
      ticks[name] = m;
    }
    const dbCommits =
      admin === undefined
        ? undefined
        : Number(
            (
              await admin.query<{ n: string }>(
                "select xact_commit as n from pg_stat_database where datname = current_database()",
              )
            ).rows[0]?.n,
          );
    return { at: now(), ticks, machine: machineTicks(), dbCommits };
  };
  const sampleAll = () => Promise.all(workers.map((w) => w.request<WorkerSample>({ t: "sample" })));
  const pgTotals = (samples: WorkerSample[]) =>
    samples.reduce(
      (acc, s) => ({
        statements: acc.statements + s.pg.statements,
        commits: acc.commits + s.pg.commits + s.pg.autocommits,
      }),
      { statements: 0, commits: 0 },
    );

  const roundBetween = (
    a: { snap: Snapshot; samples: WorkerSample[] },
    b: { snap: Snapshot; samples: WorkerSample[]; outboxPending: number },
  ): Round => {
    const seconds = (b.snap.at - a.snap.at) / 1000;
    const eventsHandled = (s: WorkerSample[]) =>
      handledAll(s.filter((_, k) => workers[k]?.config.role !== "publisher").map((x) => x.handled));
    const deliveries = (s: WorkerSample[]) =>
      s.reduce((n, x) => n + x.handled.reduce((m, h) => m + h, 0), 0);
    const committed = (s: WorkerSample[]) =>
      s.reduce((n, x, k) => n + (workers[k]?.config.role === "consumer" ? 0 : x.committed), 0);
    const events = eventsHandled(b.samples) - eventsHandled(a.samples);
    const pa = pgTotals(a.samples);
    const pb = pgTotals(b.samples);
    const busy = b.snap.machine.busy - a.snap.machine.busy;
    const total = b.snap.machine.total - a.snap.machine.total;
    return {
      seconds: Math.round(seconds * 100) / 100,
      events: Math.round(events / seconds),
      deliveries: Math.round((deliveries(b.samples) - deliveries(a.samples)) / seconds),
      committed: Math.round((committed(b.samples) - committed(a.samples)) / seconds),
      cpu: cpuBetween(a.snap, b.snap),
      machineBusy: total > 0 ? Math.round((busy / total) * 1000) / 10 : 0,
      pgCommits: admin === undefined ? undefined : Math.round((pb.commits - pa.commits) / seconds),
      dbCommits:
        a.snap.dbCommits === undefined || b.snap.dbCommits === undefined
          ? undefined
          : Math.round((b.snap.dbCommits - a.snap.dbCommits) / seconds),
      statementsPerEvent:
        admin === undefined || events === 0
          ? undefined
          : Math.round(((pb.statements - pa.statements) / events) * 100) / 100,
      loadAvg: loadavg()[0] as number,
      backlog: {
        outbox: b.outboxPending,
        total: Math.max(0, committed(b.samples) - eventsHandled(b.samples)),
      },
    };
  };
  const mark = async () => {
    const [snap, samples, stats] = await Promise.all([
      snapshot(),
      sampleAll(),
      publishers[0]
        ?.request<{ outbox: { pending: number } }>({ t: "stats" }, 30_000)
        .catch((e: unknown) => {
          log(`  ${spec.id}: ${(e as Error).message}`);
          return undefined;
        }),
    ]);
    return { snap, samples, outboxPending: stats?.outbox.pending ?? 0 };
  };

  /** Stops the load and waits until every committed event was handled by every subscriber. */
  const quiesce = async (): Promise<{ failed: number; skipped: number; next: number[] }> => {
    const idle = await Promise.all(publishers.map((w) => w.request<WorkerSample>({ t: "idle" })));
    const target = idle.reduce((n, s) => n + s.committed, 0);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const samples = await Promise.all(
        consumers.map((w) => w.request<WorkerSample>({ t: "sample" })),
      );
      if (handledAll(samples.map((s) => s.handled)) >= target) break;
      if (Date.now() > deadline) {
        problems.push(`backlog not drained within 120 s (${target} committed)`);
        break;
      }
      await sleep(50);
    }
    for (const s of idle)
      if (s.lastError !== undefined) problems.push(`publish failed: ${s.lastError}`);
    return {
      failed: idle.reduce((n, s) => n + s.failed, 0),
      skipped: idle.reduce((n, s) => n + s.skipped, 0),
      next: idle.map((s) => s.next),
    };
  };

  /**
   * Waits for the steady state of a closed loop: the backlog near its limit (consumers are the
   * bound), or no longer growing (publishers are: it grew by under 5% of what was committed over
   * the last half second), after at least a second; at most 30 s.
   */
  const steady = async () => {
    const start = Date.now();
    let committed = committedTotal();
    let backlog = committed - handledAll();
    for (;;) {
      await sleep(500);
      const c = committedTotal();
      const b = c - handledAll();
      if (b >= 0.9 * settings.backlog) return;
      if (Date.now() - start >= 1000 && b - backlog <= 0.05 * (c - committed)) return;
      if (Date.now() - start >= 30_000) {
        log(`  ${spec.id}: no steady state after 30 s (backlog ${b}); measuring anyway`);
        return;
      }
      committed = c;
      backlog = b;
    }
  };

  const phases: Phase[] = [];
  let before = await quiesce();
  const closedLoop = async (name: string, eventsPerTx: number, rounds: number, roundMs: number) => {
    const startNext = before.next;
    const perPublisher = settings.concurrency;
    for (const w of publishers)
      w.send({ t: "closed", concurrency: perPublisher, eventsPerTx, limit: settings.backlog });
    await steady();
    const marks = [await mark()];
    const out: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      await sleep(roundMs);
      marks.push(await mark());
      out.push(roundBetween(marks[r] as never, marks[r + 1] as never));
      log(`  ${spec.id} ${name}: round ${r + 1}/${rounds}: ${out[r]?.events} events/s`);
    }
    const after = await quiesce();
    const ranges = startNext.map((s, p) => [s, after.next[p] as number] as [number, number]);
    before = after;
    const rates = out.map((x) => x.events);
    return {
      name,
      eventsPerTx,
      rounds: out,
      median: Math.round(median(rates)),
      min: Math.min(...rates),
      max: Math.max(...rates),
      lag: undefined,
      failed: after.failed,
      skipped: after.skipped,
      ranges,
    } satisfies Phase;
  };

  log(`  ${spec.id}: warming up for ${settings.warmupMs} ms`);
  await closedLoop("warm-up", 1, 1, settings.warmupMs);
  for (const k of settings.eventsPerTx)
    phases.push(
      await closedLoop(
        `throughput, ${k} event${k === 1 ? "" : "s"}/tx`,
        k,
        settings.rounds,
        settings.roundMs,
      ),
    );
  const max = phases[0]?.median ?? 0;
  const k0 = settings.eventsPerTx[0] ?? 1;
  for (const share of settings.lagShares) {
    const rate = Math.max(1, Math.round(max * share));
    const startNext = before.next;
    log(`  ${spec.id}: lag at ${rate} events/s (${share} of ${max}) for ${settings.lagMs} ms`);
    const first = await mark();
    for (const w of publishers)
      w.send({ t: "open", txPerSecond: rate / k0 / publishers.length, eventsPerTx: k0 });
    await sleep(settings.lagMs);
    const last = await mark();
    const after = await quiesce();
    before = after;
    const round = roundBetween(first, last);
    phases.push({
      name: `lag at ${Math.round(share * 100)}% of the ${phases[0]?.name.replace("throughput, ", "") ?? ""} median`,
      eventsPerTx: k0,
      rounds: [round],
      median: round.events,
      min: round.events,
      max: round.events,
      offered: rate,
      lag: undefined,
      failed: after.failed,
      skipped: after.skipped,
      ranges: startNext.map((s, p) => [s, after.next[p] as number]),
    });
  }
  clearInterval(feeder);

  // Join commits and handler times; check every event once per subscriber.
  const records = await Promise.all(
    workers.map((w) =>
      w.request<{ commits: Float64Array; done: (Float64Array | undefined)[][] }>({ t: "records" }),
    ),
  );
  const commitsOf = publishers.map(
    (w) => records[workers.indexOf(w)]?.commits ?? new Float64Array(),
  );
  const doneOf = (s: number, p: number): Float64Array | undefined => {
    for (const w of consumers) {
      const d = records[workers.indexOf(w)]?.done[s]?.[p];
      if (d !== undefined) return d;
    }
    return undefined;
  };
  let committedEvents = 0;
  let missing = 0;
  let phantom = 0;
  for (let p = 0; p < publishers.length; p++) {
    const commits = commitsOf[p] as Float64Array;
    for (let s = 0; s < spec.subscribers; s++) {
      const d = doneOf(s, p) ?? new Float64Array();
      for (let i = 0; i < Math.max(commits.length, d.length); i++) {
        const c = commits[i] ?? 0;
        const h = d[i] ?? 0;
        if (c > 0 && s === 0) committedEvents++;
        if (c > 0 && h === 0) missing++;
        if (c === 0 && h > 0) phantom++;
      }
    }
  }
  for (const phase of phases) {
    const lags: number[] = [];
    for (let p = 0; p < publishers.length; p++) {
      const [from, to] = phase.ranges[p] ?? [0, 0];
      const commits = commitsOf[p] as Float64Array;
      for (let s = 0; s < spec.subscribers; s++) {
        const d = doneOf(s, p) ?? new Float64Array();
        for (let i = from; i < to; i++) {
          const c = commits[i] ?? 0;
          const h = d[i] ?? 0;
          if (c > 0 && h > 0) lags.push(h - c);
        }
      }
    }
    phase.lag = quantiles(lags);
  }
  const final = await sampleAll();
  const duplicates = final.reduce((n, x) => n + x.duplicates.reduce((m, d) => m + d, 0), 0);
  const stats = (await consumers[0]?.request<{
    outbox: { pending: number };
    consumers: { name: string; pending: number | undefined }[];
    deliveries: { done: number; duplicate: number };
  }>({ t: "stats" })) as {
    outbox: { pending: number };
    consumers: { pending: number | undefined }[];
    deliveries: { done: number; duplicate: number };
  };
  const queued = stats.consumers.reduce((n, c) => n + (c.pending ?? 0), 0);
  let inbox: number | undefined;
  let unpublished: number | undefined;
  let streamMessages: number | undefined;
  if (admin !== undefined) {
    inbox = Number(
      (
        await admin.query<{ n: string }>(
          `select count(*) as n from ${tag}.weft_inbox where part = 0`,
        )
      ).rows[0]?.n,
    );
    unpublished = Number(
      (
        await admin.query<{ n: string }>(
          `select count(*) as n from ${tag}.weft_outbox where published_at is null`,
        )
      ).rows[0]?.n,
    );
  }
  if (natsUrl !== undefined) {
    const info = await jsApi(natsUrl, `$JS.API.STREAM.INFO.${streamName(tag)}`);
    streamMessages = Number((info.state as { messages?: number } | undefined)?.messages);
  }
  await stopAll();
  if (spec.store === "sqlite" && dataDir !== undefined) {
    const Database = createRequire(import.meta.url)(
      "better-sqlite3",
    ) as typeof import("better-sqlite3");
    const db = new Database(join(dataDir, `${tag}.sqlite`), { readonly: true });
    try {
      inbox = Number(
        (db.prepare("select count(*) as n from weft_inbox where part = 0").get() as { n: number })
          .n,
      );
      unpublished = Number(
        (
          db.prepare("select count(*) as n from weft_outbox where published_at is null").get() as {
            n: number;
          }
        ).n,
      );
    } finally {
      db.close();
    }
  }
  const expectedMarks = committedEvents * spec.subscribers;
  if (missing > 0) problems.push(`${missing} committed events not handled`);
  if (phantom > 0) problems.push(`${phantom} handled events that were never committed`);
  if (duplicates > 0) problems.push(`${duplicates} events handled twice by one subscriber`);
  if (unpublished !== undefined && unpublished > 0)
    problems.push(`${unpublished} outbox rows unpublished`);
  if (inbox !== undefined && inbox !== expectedMarks)
    problems.push(`${inbox} inbox marks, expected ${expectedMarks}`);
  if (queued > 0) problems.push(`${queued} events still queued`);
  if (streamMessages !== undefined && streamMessages !== committedEvents)
    problems.push(`stream holds ${streamMessages} messages for ${committedEvents} events`);
  const verified = `${committedEvents} events committed; each handled once by each of ${spec.subscribers} subscriber(s) (${missing} missing, ${duplicates} twice, ${phantom} never committed); inbox marks ${inbox ?? "n/a"} of ${expectedMarks}; unpublished outbox rows ${unpublished ?? "n/a"}${streamMessages === undefined ? "" : `; stream messages ${streamMessages}`}`;
  log(`  ${spec.id}: ${verified}`);
  return { id: spec.id, name: spec.name, processes, phases, verified, problems };
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

/** Runs the benchmark. */
export async function runEvents(
  options: Partial<Settings> & { only?: readonly string[] } = {},
): Promise<EventsReport> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const settings: Settings = {
    rounds: options.rounds ?? 3,
    roundMs: options.roundMs ?? 4000,
    warmupMs: options.warmupMs ?? 3000,
    concurrency: options.concurrency ?? 64,
    publishers: options.publishers ?? 1,
    backlog: options.backlog ?? 4000,
    lagMs: options.lagMs ?? 8000,
    lagShares: options.lagShares ?? [0.5],
    eventsPerTx: options.eventsPerTx ?? [1, 10],
    handlerConcurrency: options.handlerConcurrency,
    pgUrl: options.pgUrl ?? "postgres://postgres@127.0.0.1:5432/test",
    natsUrl: options.natsUrl ?? "nats://127.0.0.1:4222",
    tmpDir: options.tmpDir ?? tmpdir(),
    nonDurable: options.nonDurable ?? false,
  };
  const chosen =
    options.only === undefined
      ? CONTENDERS
      : CONTENDERS.filter((c) => options.only?.includes(c.id));
  if (chosen.length === 0)
    throw new Error(
      `no contender ${options.only}; known: ${CONTENDERS.map((c) => c.id).join(", ")}`,
    );

  const cleanups: { what: string; run: () => Promise<unknown> }[] = [];
  const onCleanup = (what: string, run: () => Promise<unknown>) => cleanups.push({ what, run });
  let cleaning: Promise<void> | undefined;
  const cleanUp = () => {
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
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const load = { start: loadavg()[0] as number, max: loadavg()[0] as number, end: 0 };
  const sampler = setInterval(() => {
    load.max = Math.max(load.max, loadavg()[0] as number);
  }, 2000);
  sampler.unref();

  log("building Weft (tsc)");
  await importCompiledWeft();
  const usesPg = chosen.some((c) => c.store === "postgres");
  const usesNats = chosen.some((c) => c.split);
  const postgres = usesPg ? await postgresInfo(settings.pgUrl) : undefined;
  let natsServer: string | undefined;
  if (usesNats) {
    const nc = await connect({ servers: settings.natsUrl });
    natsServer = nc.info?.version;
    await nc.close();
  }
  const results: ContenderResult[] = [];
  try {
    for (const spec of chosen) {
      log(`${spec.name}`);
      results.push(await runContender(spec, settings, log, onCleanup));
      await cleanUp();
    }
  } finally {
    clearInterval(sampler);
    await cleanUp();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  load.end = loadavg()[0] as number;
  load.max = Math.max(load.max, load.end);
  const { pgUrl: _u, natsUrl: _n, tmpDir: _t, ...shown } = settings;
  return {
    ...reportHeader("events"),
    settings: shown,
    postgres,
    natsServer,
    results,
    load,
    source: sourceState(),
  };
}

const fmt = (n: number | undefined) => (n === undefined ? "–" : n.toLocaleString("en-US"));
const pct = (n: number | undefined) => (n === undefined ? "–" : `${Math.round(n)}%`);

/** Renders the report as Markdown. */
export function formatEvents(report: EventsReport): string {
  const s = report.settings;
  const lines = [
    `events end to end: ctx.publish in ctx.tx → outbox → relay → broker → subscriber's handler${s.nonDurable ? " — NON-DURABLE: PostgreSQL sessions with synchronous_commit=off" : ""}`,
    `node ${report.node}, ${report.machine.cpus} × ${report.machine.cpuModel}${report.postgres === undefined ? "" : `; PostgreSQL ${report.postgres.server_version} (fsync=${report.postgres.fsync}, synchronous_commit=${report.postgres.synchronous_commit}${s.nonDurable ? " on the server, off on this run's sessions" : ""}, wal_sync_method=${report.postgres.wal_sync_method}, commit_delay=${report.postgres.commit_delay})`}${report.natsServer === undefined ? "" : `; nats-server ${report.natsServer}`}`,
    `closed loop: ${s.concurrency} transactions in flight per publishing process${s.publishers > 1 ? ` × ${s.publishers} processes when split` : ""}, paused above ${fmt(s.backlog)} committed events not yet handled; ${s.rounds} rounds of ${s.roundMs} ms after ${s.warmupMs} ms warm-up and the steady state; lag: fixed rate for ${s.lagMs} ms, from the publisher's commit to the handler's return; handler concurrency ${s.handlerConcurrency ?? "16 (default)"}`,
    "",
    "| contender | phase | events/s (median) | min – max | committed/s | deliveries/s | lag p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const middle = (ph: Phase) =>
    [...ph.rounds].sort((a, b) => a.events - b.events)[ph.rounds.length >> 1];
  for (const r of report.results) {
    for (const ph of r.phases) {
      const mid = middle(ph);
      lines.push(
        `| ${r.name} | ${ph.name}${ph.offered === undefined ? "" : ` (offered ${fmt(ph.offered)}/s)`} | ${fmt(ph.median)} | ${fmt(ph.min)} – ${fmt(ph.max)} | ${fmt(mid?.committed)} | ${fmt(mid?.deliveries)} | ${ph.lag?.p50 ?? "–"} | ${ph.lag?.p90 ?? "–"} | ${ph.lag?.p99 ?? "–"} | ${ph.lag?.p999 ?? "–"} | ${ph.lag?.max ?? "–"} |`,
      );
    }
  }
  lines.push(
    "",
    "Resources in the median round (CPU: % of one core, and µs of CPU per event handled by every subscriber; postgres = this run's connections + the server's background processes):",
    "",
    "| contender | phase | CPU % | CPU µs/event | machine busy | PG commits/s (ours / whole db) | statements/event | backlog at the end (outbox / all) | load avg |",
    "|---|---|---|---|---:|---:|---:|---:|---:|",
  );
  for (const r of report.results) {
    for (const ph of r.phases) {
      const mid = middle(ph);
      if (mid === undefined) continue;
      const groups = Object.entries(mid.cpu).filter(([k]) => k !== "postgres (all)");
      const cpu = groups.map(([k, v]) => `${k} ${Math.round(v)}`).join(", ");
      const perEvent =
        mid.events > 0
          ? groups
              .map(([k, v]) => `${k} ${fmt(Math.round((v / 100 / mid.events) * 1e6))}`)
              .join(", ")
          : "–";
      lines.push(
        `| ${r.name} | ${ph.name} | ${cpu} | ${perEvent} | ${pct(mid.machineBusy)} | ${mid.pgCommits === undefined ? "–" : `${fmt(mid.pgCommits)} / ${fmt(mid.dbCommits)}`} | ${mid.statementsPerEvent ?? "–"} | ${fmt(mid.backlog.outbox)} / ${fmt(mid.backlog.total)} | ${mid.loadAvg.toFixed(1)} |`,
      );
    }
  }
  lines.push(
    "",
    "| goal: ≥ 10,000 events/s end to end on PostgreSQL, split | events/s | ratio | met |",
    "|---|---:|---:|---|",
  );
  for (const r of report.results.filter((x) => x.id.startsWith("split"))) {
    for (const ph of r.phases.filter((p) => p.name.startsWith("throughput"))) {
      lines.push(
        `| ${r.name}, ${ph.name} | ${fmt(ph.median)} | ${(ph.median / 10_000).toFixed(2)}× | ${ph.median >= 10_000 ? "yes" : "no"} |`,
      );
    }
  }
  lines.push("");
  for (const r of report.results) {
    lines.push(
      `- ${r.name} (processes: ${r.processes.join(", ")}): ${r.verified}${r.problems.length > 0 ? `. PROBLEMS: ${r.problems.join("; ")}` : ""}; publish failures ${r.phases.reduce((n, p) => n + p.failed, 0)}, skipped ${r.phases.reduce((n, p) => n + p.skipped, 0)}`,
    );
  }
  lines.push(
    `load average (1 min): ${report.load.start.toFixed(2)} before, ${report.load.max.toFixed(2)} highest, ${report.load.end.toFixed(2)} after${report.source === undefined ? "" : `; commit ${report.source.commit.slice(0, 12)}${report.source.srcDirty ? " with uncommitted changes in src/" : ""}`}`,
  );
  return lines.join("\n");
}

/** Options of this benchmark from BENCH_* variables. */
export function eventsOptionsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
  return {
    rounds: num(env.BENCH_ROUNDS),
    roundMs: num(env.BENCH_ROUND_MS),
    warmupMs: num(env.BENCH_WARMUP_MS),
    concurrency: num(env.BENCH_CONCURRENCY),
    publishers: num(env.BENCH_PUBLISHERS),
    backlog: num(env.BENCH_BACKLOG),
    lagMs: num(env.BENCH_LAG_MS),
    lagShares:
      env.BENCH_LAG_SHARES === undefined
        ? undefined
        : env.BENCH_LAG_SHARES.split(",").filter(Boolean).map(Number),
    eventsPerTx: env.BENCH_EVENTS_PER_TX?.split(",").map(Number),
    handlerConcurrency: num(env.BENCH_HANDLER_CONCURRENCY),
    pgUrl: env.BENCH_DATABASE_URL || undefined,
    natsUrl: env.BENCH_NATS_URL || env.WEFT_NATS_URL || undefined,
    tmpDir: env.BENCH_TMPDIR || undefined,
    nonDurable: env.BENCH_NON_DURABLE === "1",
    only: env.BENCH_ONLY?.split(",").map((x) => x.trim()),
  };
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === "worker") {
    await work(JSON.parse(process.argv[3] ?? "{}") as WorkerConfig);
  } else {
    const report = await runEvents(eventsOptionsFromEnv());
    console.log(formatEvents(report));
    console.log(`\nwrote ${writeReport("events", report)}`);
    process.exit(0);
  }
}
