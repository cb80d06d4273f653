/**
 * HTTP gateway throughput, latency and CPU cost: `GET /products/:id` answered with the same small
 * JSON product by three servers, side by side in one run. Every server is its own child process
 * pinned to one core (`taskset -c 1`) and loaded by `wrk` pinned to the other (`taskset -c 0`,
 * one thread, keep-alive connections, `--latency`). Contenders:
 *
 * - `bare`: `node:http` alone; the path parsed by hand, the id checked by hand, `JSON.stringify`.
 * - `weft`: `defineGateway` with `route("GET /products/:id", catalog, "getProduct")`; the catalog
 *   service runs in the same process (the call is an in-process call with its zod input schema
 *   checked). Weft compiled by tsc, as published.
 * - `moleculer`: moleculer-web 0.10 `ApiGateway` with the alias `GET /products/:id` →
 *   `catalog.get`, an action in the same broker (no transporter) with its params validated by
 *   fastest-validator; `logger: false`, request and response logging off.
 * - `weft-tsx` (only when asked for with BENCH_ONLY): the same as `weft` with `src/` loaded
 *   through tsx.
 *
 * Every server runs with `NODE_ENV=production` and `WEFT_ENV=production` (Weft validates inputs,
 * not outputs). Servers start once; then, after one warm-up run each, the runs are interleaved:
 * each round runs every contender once, in rotating order. Each run reads the server's CPU time
 * from `/proc/<pid>/stat` before and after (CPU ms per 1,000 requests: the steadiest figure on a
 * shared machine), and samples the CPU use of the server, of `wrk` and of both cores every 250 ms:
 * `wrk` is not the bottleneck when it spends far less CPU per request than the server it loads
 * (the report says how many times less, against the bare server), and the cores' busy share shows
 * how much other processes took.
 *
 * Run alone: `npm run bench:gateway` (in bench/; Linux only: `taskset`, `/proc`, and `wrk` on the
 * PATH). Options via env: BENCH_ROUNDS (5), BENCH_DURATION_S (10, each run's `wrk -d`),
 * BENCH_WARMUP_S (5), BENCH_CONNECTIONS (64; a comma-separated list runs each, e.g. `32,64`),
 * BENCH_ONLY (comma-separated ids: bare, weft, moleculer, weft-tsx, weft-baseline),
 * BENCH_SERVER_CPU (1), BENCH_WRK_CPU (0), BENCH_SERVER_NODE_ARGS (extra node flags for the
 * servers, e.g. `--cpu-prof --cpu-prof-dir=prof`; profiles are written when the servers stop),
 * BENCH_BASELINE (a directory holding another tsc build of Weft, e.g. a copy of
 * `node_modules/.cache/weft-dist-gateway` made before a change: adds the `weft-baseline`
 * contender, so before and after are measured in one interleaved run).
 *
 * The same file is the server: `gateway.ts serve <kind>`, started with an IPC channel (messages:
 * ready with the port, stop; it exits when its parent goes away).
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { fileURLToPath, pathToFileURL } from "node:url";
import { z } from "zod";
import { isMain, reportHeader, writeReport } from "./measure.js";
import { buildWeftInto } from "./weft-build.js";

// ---------------------------------------------------------------------------------------------
// What every server answers.

/** The product id every request asks for. */
export const PRODUCT_ID = "OLJCESPC7Z";

/** The product a server answers for `id`: made per request by every contender, the same way. */
export function product(id: string) {
  return {
    id,
    name: "Vintage Typewriter",
    description: "This typewriter looks good in your living room.",
    picture: "/static/img/products/typewriter.jpg",
    priceUsd: { currencyCode: "USD", units: 67, nanos: 990_000_000 },
    categories: ["vintage"],
  };
}

/** The longest id any server accepts. */
const MAX_ID = 64;

/** Weft's input schema; Moleculer's equivalent below. */
const ProductQuery = z.object({ id: z.string().min(1).max(MAX_ID) });
const ProductSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  picture: z.string(),
  priceUsd: z.object({ currencyCode: z.string(), units: z.number(), nanos: z.number() }),
  categories: z.array(z.string()),
});
const FV_PRODUCT_QUERY = { id: { type: "string", min: 1, max: MAX_ID } } as const;

// ---------------------------------------------------------------------------------------------
// Weft, compiled into a directory of this benchmark's own.

type Weft = typeof import("../src/index.js");
type WeftGateway = typeof import("../src/gateway/index.js");

/**
 * This benchmark's tsc build of Weft (the repo's `tsconfig.build.json`, as `weft-build.ts` does),
 * in a directory of its own so that another benchmark rebuilding `weft-dist` cannot delete the
 * files under servers that are starting.
 */
const outDir = new URL("./node_modules/.cache/weft-dist-gateway/", import.meta.url);

function buildWeft(): void {
  buildWeftInto(outDir);
}

/** Where a Weft server loads Weft from: `src/` through tsx, this run's build, or another build. */
type WeftFrom = "source" | "build" | "baseline";

/** The directory of the baseline build (BENCH_BASELINE), as a directory URL. */
function baselineDir(): URL {
  const dir = process.env.BENCH_BASELINE;
  if (dir === undefined || dir === "") throw new Error("BENCH_BASELINE is not set");
  return pathToFileURL(`${dir.replace(/\/+$/, "")}/`);
}

async function importWeft(from: WeftFrom): Promise<{ weft: Weft; gateway: WeftGateway }> {
  if (from === "source") {
    return {
      weft: await import("../src/index.js"),
      gateway: await import("../src/gateway/index.js"),
    };
  }
  const dir = from === "baseline" ? baselineDir() : outDir;
  if (!existsSync(new URL("index.js", dir)))
    throw new Error(`no Weft build in ${fileURLToPath(dir)} (the parent builds this run's)`);
  return {
    weft: (await import(new URL("index.js", dir).href)) as Weft,
    gateway: (await import(new URL("gateway/index.js", dir).href)) as WeftGateway,
  };
}

// ---------------------------------------------------------------------------------------------
// The server processes.

/** The kinds of server process. */
type ServerKind = "bare" | "weft" | "weft-tsx" | "weft-baseline" | "moleculer";

interface Serving {
  readonly port: number;
  stop(): Promise<unknown>;
}

const closeServer = (server: Server) =>
  new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });

const listening = (server: Server) =>
  new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });

const PREFIX = "/products/";
const NOT_FOUND = '{"error":"not found"}';

/** The bare server's handler: no framework, the path parsed by hand. */
function bareHandle(req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? "/";
  if (req.method === "GET" && url.startsWith(PREFIX)) {
    const q = url.indexOf("?", PREFIX.length);
    const raw = q === -1 ? url.slice(PREFIX.length) : url.slice(PREFIX.length, q);
    let id: string | undefined;
    try {
      id = raw.includes("%") ? decodeURIComponent(raw) : raw;
    } catch {
      id = undefined;
    }
    if (id !== undefined && id.length > 0 && id.length <= MAX_ID && !id.includes("/")) {
      const body = JSON.stringify(product(id));
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
  }
  res.writeHead(404, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(NOT_FOUND),
  });
  res.end(NOT_FOUND);
}

async function serveBare(): Promise<Serving> {
  const server = createServer(bareHandle);
  const port = await listening(server);
  return { port, stop: () => closeServer(server) };
}

async function serveWeft(from: WeftFrom): Promise<Serving> {
  const { weft, gateway } = await importWeft(from);
  const catalog = weft.defineService("catalog", {
    getProduct: weft.method({ input: ProductQuery, output: ProductSchema, idempotent: true }),
  });
  const catalogImpl = catalog.implement({
    async getProduct(_ctx, input) {
      return product(input.id);
    },
  });
  const api = gateway.defineGateway("api", {
    routes: [gateway.route("GET /products/:id", catalog, "getProduct")],
    host: "127.0.0.1",
    port: 0,
  });
  const app = weft.createApp(
    weft.defineApp({ name: "gwbench", services: [catalogImpl, api] }),
    // Only these two variables: a WEFT_NATS_URL in the environment must not split the app.
    {
      env: { NODE_ENV: process.env.NODE_ENV, WEFT_ENV: process.env.WEFT_ENV },
      config: { logLevel: "warn" },
    },
  );
  await app.start();
  return { port: app.use(gateway.GATEWAY).port, stop: () => app.stop({ grace: 2000 }) };
}

async function serveMoleculer(): Promise<Serving> {
  const { ServiceBroker } = await import("moleculer");
  const ApiGateway = (await import("moleculer-web")).default;
  const broker = new ServiceBroker({
    nodeID: "gwbench",
    logger: false,
    transporter: null,
    validator: true,
  });
  broker.createService({
    name: "catalog",
    actions: {
      get: {
        params: FV_PRODUCT_QUERY,
        async handler(ctx: { params: { id: string } }) {
          return product(ctx.params.id);
        },
      },
    },
  });
  broker.createService({
    name: "api",
    mixins: [ApiGateway],
    settings: {
      port: 0,
      ip: "127.0.0.1",
      logRequest: null,
      logResponse: null,
      logRouteRegistration: null,
      routes: [
        { path: "/", mappingPolicy: "restrict", aliases: { "GET /products/:id": "catalog.get" } },
      ],
    },
  });
  await broker.start();
  const api = broker.getLocalService("api") as unknown as { server: Server };
  return { port: (api.server.address() as AddressInfo).port, stop: () => broker.stop() };
}

type ToServer = { type: "stop" };
type FromServer =
  | { type: "ready"; pid: number; port: number }
  | { type: "failed"; message: string };

async function serve(kind: string): Promise<void> {
  const send = (m: FromServer) => process.send?.(m);
  if (process.send === undefined) throw new Error("the server is started by gateway.ts");
  // The parent went away (crashed, killed): nothing will stop us, so stop now.
  process.on("disconnect", () => process.exit(0));
  let serving: Serving;
  try {
    if (kind === "bare") serving = await serveBare();
    else if (kind === "weft") serving = await serveWeft("build");
    else if (kind === "weft-tsx") serving = await serveWeft("source");
    else if (kind === "weft-baseline") serving = await serveWeft("baseline");
    else if (kind === "moleculer") serving = await serveMoleculer();
    else throw new Error(`unknown server kind ${kind}`);
  } catch (e) {
    setTimeout(() => process.exit(1), 2000).unref();
    process.send(
      { type: "failed", message: (e as Error).stack ?? String(e) } satisfies FromServer,
      () => process.exit(1),
    );
    return;
  }
  process.on("message", (m: ToServer) => {
    if (m.type !== "stop") return;
    setTimeout(() => process.exit(0), 5000).unref();
    // process.exit (not a signal): --cpu-prof writes its profile on the way out.
    serving.stop().finally(() => process.exit(0));
  });
  send({ type: "ready", pid: process.pid, port: serving.port });
}

// ---------------------------------------------------------------------------------------------
// /proc readings (Linux).

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Clock ticks per second of /proc's CPU times (almost always 100). */
function ticksPerSecond(): number {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}
const TICKS_PER_S = ticksPerSecond();

/** CPU time (user + system) a process has used so far, in ms; undefined once it is gone. */
function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

/** Busy and total jiffies of one CPU, from /proc/stat. */
function coreTimes(cpu: number): { busy: number; total: number } {
  const line = readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${cpu} `));
  if (line === undefined) throw new Error(`no cpu${cpu} in /proc/stat`);
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

// ---------------------------------------------------------------------------------------------
// Server processes, seen from the measuring process.

const children = new Set<ChildProcess>();
let cleanupInstalled = false;

/** Kills every server still running when this process exits or is interrupted. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  const killAll = () => {
    for (const child of children) child.kill("SIGKILL");
    children.clear();
  };
  process.on("exit", killAll);
  for (const [signal, code] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(code);
    });
  }
}

/** A running server process. */
interface ServerProcess {
  readonly kind: ServerKind;
  readonly pid: number;
  readonly url: string;
  /** Asks it to stop; kills it if it has not exited within 8 s. */
  stop(): Promise<void>;
}

const serverNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);

/** Starts `gateway.ts serve <kind>` under `taskset -c <cpu>` with an IPC channel. */
function startServer(kind: ServerKind, cpu: number): Promise<ServerProcess> {
  installCleanup();
  // taskset execs node: the child's pid is node's, and the IPC descriptor survives the exec.
  const child = spawn(
    "taskset",
    [
      "-c",
      String(cpu),
      process.execPath,
      "--import",
      import.meta.resolve("tsx"),
      ...serverNodeArgs(),
      fileURLToPath(import.meta.url),
      "serve",
      kind,
    ],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, NODE_ENV: "production", WEFT_ENV: "production" },
    },
  );
  children.add(child);
  let stopping = false;
  return new Promise((resolve, reject) => {
    let started = false;
    const timer = setTimeout(() => {
      reject(new Error(`the ${kind} server did not start within 60 s`));
      child.kill("SIGKILL");
    }, 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("exit", (code, signal) => {
      children.delete(child);
      clearTimeout(timer);
      const why = new Error(`the ${kind} server exited (code ${code}, signal ${signal})`);
      if (!started) reject(why);
      else if (!stopping) {
        process.stderr.write(`${why.message} during the run; stopping\n`);
        process.exit(1);
      }
    });
    child.on("message", (m: FromServer) => {
      if (m.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`the ${kind} server failed to start: ${m.message}`));
      } else if (m.type === "ready") {
        started = true;
        clearTimeout(timer);
        resolve({
          kind,
          pid: m.pid,
          url: `http://127.0.0.1:${m.port}${PREFIX}${PRODUCT_ID}`,
          stop: () =>
            new Promise<void>((done) => {
              stopping = true;
              if (child.exitCode !== null || child.signalCode !== null) return done();
              const kill = setTimeout(() => child.kill("SIGKILL"), 8000);
              child.once("exit", () => {
                clearTimeout(kill);
                done();
              });
              try {
                child.send({ type: "stop" } satisfies ToServer);
              } catch {
                child.kill("SIGKILL");
              }
            }),
        });
      }
    });
  });
}

/** Checks that a server answers the product, exactly as the bare server does. */
async function checkAnswer(server: ServerProcess): Promise<void> {
  const res = await fetch(server.url);
  const body = await res.text();
  const expected = JSON.stringify(product(PRODUCT_ID));
  if (res.status !== 200 || body !== expected)
    throw new Error(`the ${server.kind} server answered ${res.status} ${body}`);
  if (!/^application\/json/.test(res.headers.get("content-type") ?? ""))
    throw new Error(`the ${server.kind} server answered ${res.headers.get("content-type")}`);
  const missing = await fetch(`${new URL(server.url).origin}/nothing/here`);
  await missing.arrayBuffer();
  if (missing.status !== 404)
    throw new Error(`the ${server.kind} server answered ${missing.status} for an unknown path`);
}

// ---------------------------------------------------------------------------------------------
// wrk.

/** What one wrk run measured. */
export interface WrkRun {
  readonly contender: string;
  readonly connections: number;
  readonly round: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** Latency percentiles from wrk's distribution, in µs. */
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
  readonly p99: number;
  /** Non-2xx answers and socket errors (both must be 0). */
  readonly errors: number;
  /** Server CPU ms per 1,000 requests (whole run, from /proc/<pid>/stat). */
  readonly serverCpuMsPer1k: number;
  /** CPU use over the steady part of the run, in % of one core. */
  readonly serverCpuPct: number;
  readonly wrkCpuPct: number;
  /** wrk's CPU ms per 1,000 requests over the same part (at the run's average rate). */
  readonly wrkCpuMsPer1k: number;
  /** Busy share of each pinned core by everything (others included), in %. */
  readonly serverCoreBusyPct: number;
  readonly wrkCoreBusyPct: number;
  /** 1-minute load average when the run ended. */
  readonly load: number;
}

const UNIT_US: Record<string, number> = { us: 1, ms: 1000, s: 1_000_000 };

/** Parses wrk's output (with `--latency`). */
export function parseWrk(out: string) {
  const num = (re: RegExp) => {
    const m = re.exec(out);
    if (m === null) throw new Error(`wrk output without ${re}:\n${out}`);
    return m;
  };
  const total = num(/(\d+) requests in ([\d.]+)(us|ms|s),/);
  const latency = (p: number) => {
    const m = num(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, "m"));
    return Number(m[1]) * (UNIT_US[m[2] as string] as number);
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0);
  return {
    requests: Number(total[1]),
    seconds: (Number(total[2]) * (UNIT_US[total[3] as string] as number)) / 1e6,
    requestsPerSecond: Number(num(/Requests\/sec:\s+([\d.]+)/)[1]),
    p50: latency(50),
    p75: latency(75),
    p90: latency(90),
    p99: latency(99),
    errors: (non2xx === null ? 0 : Number(non2xx[1])) + socketErrors,
  };
}

interface RunSettings {
  readonly connections: number;
  readonly seconds: number;
  readonly serverCpu: number;
  readonly wrkCpu: number;
}

/** One sample of the CPU counters. */
interface Sample {
  readonly at: number;
  readonly server: number;
  readonly wrk: number;
  readonly serverCore: { busy: number; total: number };
  readonly wrkCore: { busy: number; total: number };
}

/** Runs `taskset -c <wrkCpu> wrk -t1 -c<n> -d<s>s --latency <url>` against `server`. */
async function runWrk(
  server: ServerProcess,
  contender: string,
  round: number,
  s: RunSettings,
): Promise<WrkRun> {
  const cpuBefore = processCpuMs(server.pid) as number;
  const child = spawn(
    "taskset",
    [
      "-c",
      String(s.wrkCpu),
      "wrk",
      "-t1",
      `-c${s.connections}`,
      `-d${s.seconds}s`,
      "--timeout",
      "5s",
      "--latency",
      server.url,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    out += chunk;
  });
  const samples: Sample[] = [];
  const sample = () => {
    const wrk = child.pid === undefined ? undefined : processCpuMs(child.pid);
    const serverMs = processCpuMs(server.pid);
    if (wrk === undefined || serverMs === undefined) return;
    samples.push({
      at: performance.now(),
      server: serverMs,
      wrk,
      serverCore: coreTimes(s.serverCpu),
      wrkCore: coreTimes(s.wrkCpu),
    });
  };
  // Skip the first half second (connections opening), then sample every 250 ms.
  let poll: NodeJS.Timeout | undefined;
  const first = setTimeout(() => {
    sample();
    poll = setInterval(sample, 250);
  }, 500);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (c) => resolve(c));
  });
  clearTimeout(first);
  clearInterval(poll);
  if (code !== 0) throw new Error(`wrk exited with code ${code}:\n${out}`);
  const cpuAfter = processCpuMs(server.pid) as number;
  const parsed = parseWrk(out);
  const a = samples[0];
  const b = samples[samples.length - 1];
  if (a === undefined || b === undefined || b.at - a.at < 200)
    throw new Error(`too few CPU samples during a ${s.seconds}s run (runs need 2 s or more)`);
  const wallMs = b.at - a.at;
  const pct = (ms: number) => Math.round((ms / wallMs) * 1000) / 10;
  const busyPct = (x: Sample["serverCore"], y: Sample["serverCore"]) =>
    Math.round(((y.busy - x.busy) / Math.max(1, y.total - x.total)) * 1000) / 10;
  return {
    contender,
    connections: s.connections,
    round,
    ...parsed,
    serverCpuMsPer1k: Math.round(((cpuAfter - cpuBefore) / parsed.requests) * 1e6) / 1000,
    serverCpuPct: pct(b.server - a.server),
    wrkCpuPct: pct(b.wrk - a.wrk),
    wrkCpuMsPer1k: round3(((b.wrk - a.wrk) / (parsed.requestsPerSecond * (wallMs / 1000))) * 1000),
    serverCoreBusyPct: busyPct(a.serverCore, b.serverCore),
    wrkCoreBusyPct: busyPct(a.wrkCore, b.wrkCore),
    load: Math.round((loadavg()[0] as number) * 100) / 100,
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

interface ContenderSpec {
  readonly id: ServerKind;
  readonly name: string;
  readonly note: string;
}

const CONTENDERS: readonly ContenderSpec[] = [
  {
    id: "bare",
    name: "bare node:http",
    note: "node:http createServer, the path parsed and the id checked by hand, JSON.stringify, writeHead with Content-Type and Content-Length",
  },
  {
    id: "weft",
    name: "weft gateway, compiled",
    note: "createApp from the weft entry (defaults), defineGateway + route('GET /products/:id', catalog, 'getProduct'); catalog in the same process (input checked with zod, output not: production); answers carry traceparent and x-trace-id; Weft compiled with tsconfig.build.json",
  },
  {
    id: "moleculer",
    name: "moleculer-web",
    note: "ServiceBroker (no transporter, logger off, validator on) with moleculer-web's ApiGateway mixin, alias 'GET /products/:id' → catalog.get (params checked by fastest-validator), logRequest/logResponse null",
  },
  {
    id: "weft-tsx",
    name: "weft gateway, src/ through tsx",
    note: "the same as weft, with Weft's src/ loaded through tsx",
  },
  {
    id: "weft-baseline",
    name: "weft gateway, baseline build",
    note: "the same as weft, loaded from the build in BENCH_BASELINE (e.g. a copy of node_modules/.cache/weft-dist-gateway made before a change): before and after in one run",
  },
];

/** Per contender and connection count: the figures over the rounds. */
export interface Summary {
  readonly contender: string;
  readonly connections: number;
  readonly rounds: number;
  readonly rpsMedian: number;
  readonly rpsBest: number;
  readonly p50Median: number;
  readonly p99Median: number;
  readonly p99Best: number;
  readonly cpuMsPer1kMedian: number;
  readonly cpuMsPer1kBest: number;
  readonly serverCpuPctMedian: number;
  readonly wrkCpuPctMedian: number;
  readonly wrkCpuMsPer1kMedian: number;
}

/** A ratio of weft's figure over another's (goals: throughput and CPU per request). */
export interface GatewayRatio {
  readonly name: string;
  readonly connections: number;
  /** The goal of the throughput ratio, when there is one. */
  readonly goal: number | undefined;
  /** Requests/s, median over median and best over best. */
  readonly rpsMedian: number;
  readonly rpsBest: number;
  /** Requests per server CPU-second: the other's CPU ms per request over weft's (median, best). */
  readonly cpuMedian: number;
  readonly cpuBest: number;
  /** p99 latency, weft's over the other's (median): lower is better. */
  readonly p99Median: number;
}

/** What the benchmark reports, also written as JSON. */
export interface GatewayReport {
  readonly benchmark: "gateway";
  readonly date: string;
  readonly node: string;
  readonly machine: { cpus: number; cpuModel: string; platform: string; arch: string };
  readonly versions: Record<string, string>;
  readonly settings: {
    readonly rounds: number;
    readonly seconds: number;
    readonly warmupSeconds: number;
    readonly connections: readonly number[];
    readonly serverCpu: number;
    readonly wrkCpu: number;
    readonly serverNodeArgs: readonly string[];
  };
  readonly contenders: readonly { id: string; name: string; note: string }[];
  readonly runs: readonly WrkRun[];
  readonly summaries: readonly Summary[];
  readonly ratios: readonly GatewayRatio[];
  readonly load: { start: number; end: number };
  readonly source: { commit: string; srcDirty: boolean } | undefined;
}

/** Options of {@link runGateway}. */
export interface GatewayOptions {
  rounds?: number;
  seconds?: number;
  warmupSeconds?: number;
  connections?: number[];
  only?: string[];
  serverCpu?: number;
  wrkCpu?: number;
}

/** Reads the options from BENCH_* variables (unset ones stay undefined: defaults). */
export function gatewayOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): GatewayOptions {
  const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
  return {
    rounds: num(env.BENCH_ROUNDS),
    seconds: num(env.BENCH_DURATION_S),
    warmupSeconds: num(env.BENCH_WARMUP_S),
    connections: env.BENCH_CONNECTIONS?.split(",").map((c) => Number(c.trim())),
    only: env.BENCH_ONLY?.split(",").map((s) => s.trim()),
    serverCpu: num(env.BENCH_SERVER_CPU),
    wrkCpu: num(env.BENCH_WRK_CPU),
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length === 0
    ? Number.NaN
    : s.length % 2 === 1
      ? (s[mid] as number)
      : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

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

const version = (pkg: string): string =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), "utf8"))
    .version;

function summarize(runs: readonly WrkRun[], contender: string, connections: number): Summary {
  const mine = runs.filter((r) => r.contender === contender && r.connections === connections);
  const pick = (f: (r: WrkRun) => number) => mine.map(f);
  return {
    contender,
    connections,
    rounds: mine.length,
    rpsMedian: Math.round(median(pick((r) => r.requestsPerSecond))),
    rpsBest: Math.round(Math.max(...pick((r) => r.requestsPerSecond))),
    p50Median: Math.round(median(pick((r) => r.p50))),
    p99Median: Math.round(median(pick((r) => r.p99))),
    p99Best: Math.round(Math.min(...pick((r) => r.p99))),
    cpuMsPer1kMedian: round3(median(pick((r) => r.serverCpuMsPer1k))),
    cpuMsPer1kBest: round3(Math.min(...pick((r) => r.serverCpuMsPer1k))),
    serverCpuPctMedian: Math.round(median(pick((r) => r.serverCpuPct)) * 10) / 10,
    wrkCpuPctMedian: Math.round(median(pick((r) => r.wrkCpuPct)) * 10) / 10,
    wrkCpuMsPer1kMedian: round3(median(pick((r) => r.wrkCpuMsPer1k))),
  };
}

/** Runs the benchmark. */
export async function runGateway(options: GatewayOptions = {}): Promise<GatewayReport> {
  const settings = {
    rounds: options.rounds ?? 5,
    seconds: options.seconds ?? 10,
    warmupSeconds: options.warmupSeconds ?? 5,
    connections: options.connections ?? [64],
    serverCpu: options.serverCpu ?? 1,
    wrkCpu: options.wrkCpu ?? 0,
    serverNodeArgs: serverNodeArgs(),
  };
  if (!(settings.seconds >= 2 && settings.warmupSeconds >= 2))
    throw new Error("BENCH_DURATION_S and BENCH_WARMUP_S must be at least 2 (seconds)");
  const only = options.only ?? [
    "bare",
    "weft",
    "moleculer",
    ...(process.env.BENCH_BASELINE ? ["weft-baseline"] : []),
  ];
  const chosen = CONTENDERS.filter((c) => only.includes(c.id));
  if (chosen.length === 0)
    throw new Error(`no contender ${only}; known: ${CONTENDERS.map((c) => c.id).join(", ")}`);
  const progress = (line: string) => process.stderr.write(`${line}\n`);
  for (const tool of ["wrk", "taskset"]) {
    if (spawnSync(tool, ["-h"]).error !== undefined)
      throw new Error(`the gateway benchmark needs ${tool} on the PATH (and Linux: /proc)`);
  }
  if (chosen.some((c) => c.id === "weft")) {
    progress("building Weft (tsc)…");
    buildWeft();
  }
  const loadStart = loadavg()[0] as number;
  const servers: ServerProcess[] = [];
  const runs: WrkRun[] = [];
  try {
    for (const c of chosen) {
      const server = await startServer(c.id, settings.serverCpu);
      servers.push(server);
      await checkAnswer(server);
      progress(`  ${c.name}: pid ${server.pid}, ${server.url}`);
    }
    for (const connections of settings.connections) {
      const s = { ...settings, connections };
      for (const [i, c] of chosen.entries()) {
        const w = await runWrk(servers[i] as ServerProcess, c.name, 0, {
          ...s,
          seconds: settings.warmupSeconds,
        });
        progress(
          `  warm-up ${c.name} -c${connections}: ${Math.round(w.requestsPerSecond)} req/s (server ${w.serverCpuPct}% CPU, wrk ${w.wrkCpuPct}%)`,
        );
      }
      for (let round = 1; round <= settings.rounds; round++) {
        // Rotate the order so no contender always runs first.
        for (let k = 0; k < chosen.length; k++) {
          const at = (round + k) % chosen.length;
          const c = chosen[at] as ContenderSpec;
          const run = await runWrk(servers[at] as ServerProcess, c.name, round, s);
          if (run.errors > 0) throw new Error(`${c.name}: ${run.errors} failed requests`);
          runs.push(run);
          progress(
            `  -c${connections} round ${round}/${settings.rounds} ${c.name}: ${Math.round(run.requestsPerSecond)} req/s, p99 ${run.p99} µs, ${run.serverCpuMsPer1k} CPU ms/1k (server ${run.serverCpuPct}%, core ${run.serverCoreBusyPct}%; wrk ${run.wrkCpuPct}%, core ${run.wrkCoreBusyPct}%; load ${run.load})`,
          );
        }
      }
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  const loadEnd = loadavg()[0] as number;
  const summaries = settings.connections.flatMap((n) =>
    chosen.map((c) => summarize(runs, c.name, n)),
  );
  const ratios: GatewayRatio[] = [];
  const weft = chosen.find((c) => c.id === "weft") ?? chosen.find((c) => c.id === "weft-tsx");
  for (const n of settings.connections) {
    const mine = summaries.find((x) => x.contender === weft?.name && x.connections === n);
    for (const [id, goal] of [
      ["bare", 0.85],
      ["moleculer", 1.3],
      ["weft-baseline", undefined],
    ] as const) {
      const name = CONTENDERS.find((c) => c.id === id)?.name;
      const other = summaries.find((x) => x.contender === name && x.connections === n);
      if (mine === undefined || other === undefined) continue;
      ratios.push({
        name: `${mine.contender} / ${other.contender}`,
        connections: n,
        goal,
        rpsMedian: round3(mine.rpsMedian / other.rpsMedian),
        rpsBest: round3(mine.rpsBest / other.rpsBest),
        cpuMedian: round3(other.cpuMsPer1kMedian / mine.cpuMsPer1kMedian),
        cpuBest: round3(other.cpuMsPer1kBest / mine.cpuMsPer1kBest),
        p99Median: round3(mine.p99Median / other.p99Median),
      });
    }
  }
  return {
    ...reportHeader("gateway"),
    versions: {
      // `wrk -v` prints its version and usage, and exits with 1.
      wrk: spawnSync("wrk", ["-v"], { encoding: "utf8" }).stdout.split(" [")[0]?.trim() ?? "?",
      moleculer: version("moleculer"),
      "moleculer-web": version("moleculer-web"),
      zod: version("zod"),
    },
    settings,
    contenders: chosen.map((c) => ({ id: c.id, name: c.name, note: c.note })),
    runs,
    summaries,
    ratios,
    load: { start: loadStart, end: loadEnd },
    source: sourceState(),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Renders the report as Markdown (so it can go into RESULTS.md as is). */
export function formatGateway(report: GatewayReport): string {
  const s = report.settings;
  const lines = [
    `HTTP GET /products/:id answered with a ${Buffer.byteLength(JSON.stringify(product(PRODUCT_ID)))}-byte JSON product; servers pinned to CPU ${s.serverCpu}, wrk -t1 pinned to CPU ${s.wrkCpu}`,
    `node ${report.node}, ${report.machine.cpus} × ${report.machine.cpuModel}; ${report.versions.wrk}; moleculer ${report.versions.moleculer}, moleculer-web ${report.versions["moleculer-web"]}, zod ${report.versions.zod}; NODE_ENV=production WEFT_ENV=production`,
    `${s.rounds} interleaved rounds of wrk -d${s.seconds}s per contender after one ${s.warmupSeconds}s warm-up run each; req/s median and best; latency from wrk's distribution, median over the rounds; server CPU ms per 1,000 requests from /proc/<pid>/stat (median and best); CPU % of one core over the steady part of the runs (median)`,
    "",
    "| connections | contender | req/s (median) | req/s (best) | p50 µs | p99 µs | p99 best µs | CPU ms/1k req (median) | CPU ms/1k (best) | server CPU % | wrk CPU % | wrk CPU ms/1k |",
    "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of report.summaries) {
    lines.push(
      `| ${r.connections} | ${r.contender} | ${fmt(r.rpsMedian)} | ${fmt(r.rpsBest)} | ${fmt(r.p50Median)} | ${fmt(r.p99Median)} | ${fmt(r.p99Best)} | ${r.cpuMsPer1kMedian.toFixed(3)} | ${r.cpuMsPer1kBest.toFixed(3)} | ${r.serverCpuPctMedian}% | ${r.wrkCpuPctMedian}% | ${r.wrkCpuMsPer1kMedian.toFixed(3)} |`,
    );
  }
  if (report.ratios.length > 0) {
    lines.push(
      "",
      "| ratio | connections | goal | req/s (median) | req/s (best) | req per CPU-s (median) | req per CPU-s (best) | p99 (median; lower is better) |",
      "|---|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const r of report.ratios) {
      lines.push(
        `| ${r.name} | ${r.connections} | ${r.goal === undefined ? "–" : `≥ ${r.goal.toFixed(2)}×`} | ${r.rpsMedian.toFixed(2)}× | ${r.rpsBest.toFixed(2)}× | ${r.cpuMedian.toFixed(2)}× | ${r.cpuBest.toFixed(2)}× | ${r.p99Median.toFixed(2)}× |`,
      );
    }
  }
  const busy = report.runs.map((r) => r.serverCoreBusyPct - r.serverCpuPct);
  const bare = report.summaries.filter((r) => r.contender === "bare node:http");
  lines.push("");
  for (const r of bare) {
    lines.push(
      `saturation check (-c${r.connections}): against the bare server wrk spent ${r.wrkCpuMsPer1kMedian.toFixed(1)} CPU ms per 1,000 requests and the server ${r.cpuMsPer1kMedian.toFixed(1)} (medians): one wrk thread can drive ${(r.cpuMsPer1kMedian / r.wrkCpuMsPer1kMedian).toFixed(1)}× the requests one core of the bare server answers`,
    );
  }
  lines.push(
    `CPU used by other processes on the server's core during the runs: median ${median(busy).toFixed(1)}%, max ${Math.max(...busy).toFixed(1)}%`,
    `load average (1 min): ${report.load.start.toFixed(2)} before, ${report.load.end.toFixed(2)} after${report.source === undefined ? "" : `; commit ${report.source.commit.slice(0, 12)}${report.source.srcDirty ? " with uncommitted changes in src/" : ""}`}`,
  );
  return lines.join("\n");
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === "serve") {
    await serve(process.argv[3] ?? "");
  } else {
    const report = await runGateway(gatewayOptionsFromEnv());
    console.log(formatGateway(report));
    console.log(`\nwrote ${writeReport("gateway", report)}`);
  }
}
