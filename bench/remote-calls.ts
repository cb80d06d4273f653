/**
 * Remote call throughput and latency between two processes over one NATS server: a server process
 * (a child this benchmark spawns) answers a method whose 2-field input is validated on every call,
 * and this process calls it, one call at a time and with 64 in flight, timing every call.
 * Contenders, side by side in one run:
 *
 * - Weft: an app serving the method in the child; `createApp(def, { clientOnly: true })` here,
 *   both with `natsUrl` set (Weft's NATS transport), compiled by tsc, production mode.
 * - Moleculer 0.14 with its NATS transporter (`nats` 2.x), validator on, JSON serializer.
 * - raw nats.js (`@nats-io/transport-node`, the client Weft uses): a queue subscription answering
 *   the same JSON in the child; here one reply-inbox subscription and a correlation map (what Weft
 *   does: the practical limit), and, for information, `nc.request()` per call.
 *
 * Every run uses its own namespace (Weft app name, Moleculer namespace, raw subject), so runs and
 * tests can share a NATS server. The servers are killed at the end, also when the run fails.
 *
 * Run alone: `npm run bench:remote-calls` (in bench/). Options via env: BENCH_ROUNDS,
 * BENCH_ROUND_MS, BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_ONLY (comma-separated ids: weft,
 * weft-bare, moleculer, moleculer-timeout, raw-inbox, raw-request), BENCH_NATS_URL (else
 * WEFT_NATS_URL, else nats://127.0.0.1:4222), BENCH_SERVER_NODE_ARGS (extra node flags for the
 * server processes, e.g. `--cpu-prof --cpu-prof-dir=prof`).
 *
 * The same file is the server: `remote-calls.ts serve <kind> <namespace> <nats url>`, forked with
 * an IPC channel (messages: ready, cpu, stop; it exits when its parent goes away).
 */
import { type ChildProcess, execFileSync, fork } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import {
  connect,
  createInbox,
  type Msg,
  type NatsConnection,
  type Subscription,
} from "@nats-io/transport-node";
import { ServiceBroker } from "moleculer";
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
import {
  BAD_PAYLOAD,
  FV_SCHEMA,
  type Input,
  type Output,
  PAYLOAD,
  work,
  ZodInput,
  ZodOutput,
} from "./payload.js";
import { importBuiltWeft, importCompiledWeft, type Weft } from "./weft-build.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The kinds of server process. */
type ServerKind = "weft" | "moleculer" | "raw";

// ---------------------------------------------------------------------------------------------
// What both processes share: the app definition, the broker options, the raw subject.

/** Weft's app: one service, one method, the in-process benchmark's schema. */
function weftApp(weft: Weft) {
  const { defineApp, defineService, method } = weft;
  const bench = defineService("bench", {
    echo: method({ input: ZodInput, output: ZodOutput }),
  });
  const impl = bench.implement({
    async echo(_ctx, input) {
      return work(input);
    },
  });
  return { bench, definition: defineApp({ name: "bench", services: [impl] }) };
}

/** createApp options of both sides: production mode, silent, this run's app name and NATS. */
const weftOptions = (namespace: string, natsUrl: string) => ({
  env: { NODE_ENV: "production" },
  config: { app: namespace, logLevel: "silent" as const, natsUrl },
});

/** A Moleculer broker on NATS: defaults otherwise (requestTimeout 0, built-in balancer). */
function moleculerBroker(namespace: string, nodeID: string, natsUrl: string, requestTimeout = 0) {
  return new ServiceBroker({
    namespace,
    nodeID,
    transporter: { type: "NATS", options: { url: natsUrl } },
    serializer: "JSON",
    logger: false,
    validator: true,
    requestTimeout,
  });
}

const rawSubject = (namespace: string) => `rawbench.${namespace}.echo`;

// ---------------------------------------------------------------------------------------------
// The server process.

interface Server {
  stop(): Promise<unknown>;
}

async function serveWeft(namespace: string, natsUrl: string): Promise<Server> {
  const weft = await importBuiltWeft();
  const { definition } = weftApp(weft);
  const app = weft.createApp(definition, weftOptions(namespace, natsUrl));
  await app.start();
  return { stop: () => app.stop({ grace: 2000 }) };
}

async function serveMoleculer(namespace: string, natsUrl: string): Promise<Server> {
  const broker = moleculerBroker(namespace, `server-${namespace}`, natsUrl);
  broker.createService({
    name: "bench",
    actions: {
      echo: {
        params: FV_SCHEMA,
        async handler(ctx: { params: Input }) {
          return work(ctx.params);
        },
      },
    },
  });
  await broker.start();
  return { stop: () => broker.stop() };
}

/** Answers the same JSON; checks the two fields by hand (a few ns) so a bad payload is refused. */
async function serveRaw(namespace: string, natsUrl: string): Promise<Server> {
  const nc = await connect({ servers: natsUrl, name: `rawbench-server:${namespace}` });
  const sub: Subscription = nc.subscribe(rawSubject(namespace), {
    queue: rawSubject(namespace),
    callback: (_err, msg) => {
      let input: Input | undefined;
      try {
        input = JSON.parse(decoder.decode(msg.data)) as Input;
      } catch {
        input = undefined;
      }
      if (typeof input?.a !== "string" || typeof input.b !== "number") {
        msg.respond(encoder.encode('{"error":"INVALID_ARGUMENT"}'));
        return;
      }
      msg.respond(encoder.encode(JSON.stringify(work(input))));
    },
  });
  await nc.flush();
  return {
    stop: async () => {
      await sub.drain();
      await nc.drain();
    },
  };
}

type ToServer = { type: "cpu"; id: number } | { type: "stop" };
type FromServer =
  | { type: "ready"; pid: number }
  | { type: "failed"; message: string }
  | { type: "cpu"; id: number; ms: number };

async function serve(kind: string, namespace: string, natsUrl: string): Promise<void> {
  const send = (m: FromServer) => process.send?.(m);
  if (process.send === undefined) throw new Error("the server is started by remote-calls.ts");
  // The parent went away (crashed, killed): nothing will stop us, so stop now.
  process.on("disconnect", () => process.exit(0));
  let server: Server;
  try {
    if (kind === "weft") server = await serveWeft(namespace, natsUrl);
    else if (kind === "moleculer") server = await serveMoleculer(namespace, natsUrl);
    else if (kind === "raw") server = await serveRaw(namespace, natsUrl);
    else throw new Error(`unknown server kind ${kind}`);
  } catch (e) {
    // Exit once the message is out (an exit right after send() may drop it).
    setTimeout(() => process.exit(1), 2000).unref();
    process.send(
      { type: "failed", message: (e as Error).stack ?? String(e) } satisfies FromServer,
      () => process.exit(1),
    );
    return;
  }
  process.on("message", (m: ToServer) => {
    if (m.type === "cpu") {
      const used = process.cpuUsage();
      send({ type: "cpu", id: m.id, ms: (used.user + used.system) / 1000 });
    } else if (m.type === "stop") {
      const timer = setTimeout(() => process.exit(0), 5000);
      timer.unref();
      server.stop().finally(() => process.exit(0));
    }
  });
  send({ type: "ready", pid: process.pid });
}

// ---------------------------------------------------------------------------------------------
// Child processes, seen from the measuring process.

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
  /** CPU time the server process has used so far, in ms. */
  cpuMs(): Promise<number>;
  /** Asks it to stop; kills it if it has not exited within 8 s. */
  stop(): Promise<void>;
}

/** Extra node flags for the servers (BENCH_SERVER_NODE_ARGS), e.g. for profiling. */
const serverNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter(Boolean);

function startServer(kind: ServerKind, namespace: string, natsUrl: string): Promise<ServerProcess> {
  installCleanup();
  const child = fork(fileURLToPath(import.meta.url), ["serve", kind, namespace, natsUrl], {
    execArgv: ["--import", import.meta.resolve("tsx"), ...serverNodeArgs()],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  children.add(child);
  let stopping = false;
  let nextId = 0;
  const cpuWaiters = new Map<number, { resolve(ms: number): void; reject(e: Error): void }>();
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
      for (const w of cpuWaiters.values()) w.reject(why);
      cpuWaiters.clear();
      if (!started) reject(why);
      else if (!stopping) {
        // A server died under the measurement: its calls would never be answered.
        process.stderr.write(`${why.message} during the run; stopping\n`);
        process.exit(1);
      }
    });
    child.on("message", (m: FromServer) => {
      if (m.type === "failed") {
        clearTimeout(timer);
        reject(new Error(`the ${kind} server failed to start: ${m.message}`));
      } else if (m.type === "cpu") {
        cpuWaiters.get(m.id)?.resolve(m.ms);
        cpuWaiters.delete(m.id);
      } else if (m.type === "ready") {
        started = true;
        clearTimeout(timer);
        resolve({
          kind,
          pid: m.pid,
          cpuMs: () =>
            new Promise((resolveCpu, rejectCpu) => {
              const id = ++nextId;
              cpuWaiters.set(id, { resolve: resolveCpu, reject: rejectCpu });
              child.send({ type: "cpu", id } satisfies ToServer);
            }),
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

// ---------------------------------------------------------------------------------------------
// The calling side of each contender.

/** A contender ready to be called. */
interface Running {
  call(input: Input): Promise<Output>;
  stop?(): Promise<unknown>;
  /** The NATS server's version, when the contender can tell. */
  serverVersion?: string;
}

async function weftClient(
  weft: Weft,
  namespace: string,
  natsUrl: string,
  resilience?: [],
): Promise<Running> {
  const { bench, definition } = weftApp(weft);
  const app = weft.createApp(definition, {
    clientOnly: true,
    ...weftOptions(namespace, natsUrl),
    ...(resilience === undefined ? {} : { resilience }),
  });
  await app.start();
  const client = app.client(bench);
  return { call: (input) => client.echo(input), stop: () => app.stop({ grace: 2000 }) };
}

async function moleculerClient(
  namespace: string,
  natsUrl: string,
  requestTimeout: number,
): Promise<Running> {
  const broker = moleculerBroker(
    namespace,
    `client-${requestTimeout}-${namespace}`,
    natsUrl,
    requestTimeout,
  );
  await broker.start();
  await broker.waitForServices(["bench"], 30_000);
  return {
    call: (input) => broker.call("bench.echo", input) as Promise<Output>,
    stop: () => broker.stop(),
  };
}

function rawAnswer(data: Uint8Array): Output {
  if (data.length === 0) throw new Error("no responders");
  const out = JSON.parse(decoder.decode(data)) as Output & { error?: string };
  if (out.error !== undefined) throw new Error(out.error);
  return out;
}

/** One reply-inbox subscription and a correlation map, as Weft's NATS caller does. */
async function rawInboxClient(namespace: string, natsUrl: string): Promise<Running> {
  const nc: NatsConnection = await connect({
    servers: natsUrl,
    name: `rawbench-inbox:${namespace}`,
  });
  const subject = rawSubject(namespace);
  const prefix = createInbox();
  const pending = new Map<string, { resolve(o: Output): void; reject(e: unknown): void }>();
  let seq = 0;
  nc.subscribe(`${prefix}.*`, {
    callback: (_err, msg: Msg) => {
      const id = msg.subject.slice(prefix.length + 1);
      const p = pending.get(id);
      if (p === undefined) return;
      pending.delete(id);
      try {
        p.resolve(rawAnswer(msg.data));
      } catch (e) {
        p.reject(e);
      }
    },
  });
  await nc.flush();
  return {
    call: (input) =>
      new Promise<Output>((resolve, reject) => {
        const id = (++seq).toString(36);
        pending.set(id, { resolve, reject });
        nc.publish(subject, encoder.encode(JSON.stringify(input)), { reply: `${prefix}.${id}` });
      }),
    stop: () => nc.drain(),
    serverVersion: nc.info?.version ?? "unknown",
  };
}

/** `nc.request()` per call (nats.js muxes replies on one inbox too, with a timer per request). */
async function rawRequestClient(namespace: string, natsUrl: string): Promise<Running> {
  const nc = await connect({ servers: natsUrl, name: `rawbench-request:${namespace}` });
  const subject = rawSubject(namespace);
  return {
    call: async (input) =>
      rawAnswer(
        (await nc.request(subject, encoder.encode(JSON.stringify(input)), { timeout: 30_000 }))
          .data,
      ),
    stop: () => nc.drain(),
  };
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

/** Names of the contenders, as they appear in the report. */
const WEFT = "weft (zod), compiled";
const WEFT_BARE = "weft (zod), compiled, resilience: []";
const MOLECULER = "moleculer (fastest-validator)";
const MOLECULER_TIMEOUT = "moleculer + requestTimeout 30s";
const RAW_INBOX = "raw nats.js, own inbox + map";
const RAW_REQUEST = "raw nats.js, nc.request()";

interface ContenderSpec {
  /** What BENCH_ONLY selects it by. */
  readonly id: string;
  readonly name: string;
  readonly note: string;
  readonly server: ServerKind;
  start(namespace: string, natsUrl: string): Promise<Running>;
}

/** What the benchmark reports, also written as JSON. */
export interface RemoteCallsReport {
  readonly benchmark: "remote-calls";
  readonly date: string;
  readonly node: string;
  readonly machine: { cpus: number; cpuModel: string; platform: string; arch: string };
  readonly versions: Record<string, string>;
  readonly natsServer: string;
  readonly namespace: string;
  readonly payload: Input;
  readonly options: Omit<MeasureOptions, "progress">;
  readonly contenders: readonly { id: string; name: string; note: string }[];
  readonly rows: readonly Row[];
  readonly ratios: readonly RemoteRatio[];
  readonly goals: readonly Goal[];
  readonly load: Load;
  /** The repo commit measured, and whether src/ had uncommitted changes. */
  readonly source: { commit: string; srcDirty: boolean } | undefined;
}

/** `name` is "a / b", per mode: throughput (wall and per CPU-second of both processes), p50, p99. */
export interface RemoteRatio {
  readonly name: string;
  readonly modes: Record<
    string,
    {
      throughput: number;
      cpu: number | undefined;
      p50: number | undefined;
      p99: number | undefined;
    }
  >;
}

/** A target from the brief, and whether this run met it. */
export interface Goal {
  readonly name: string;
  readonly target: string;
  readonly value: number | undefined;
  readonly met: boolean | undefined;
}

/** How busy the (shared, 2-core) machine was during the run. */
export interface Load {
  /** 1-minute load averages sampled every 2 s: min, median, max. */
  readonly loadAvg1m: { min: number; median: number; max: number; samples: number };
  /** Share of all CPUs busy over the measured part of the run (from /proc/stat), in %. */
  readonly machineBusyPct: number | undefined;
  /** Share of all CPUs used by this process and its servers over the same time, in %. */
  readonly benchPct: number | undefined;
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

/** The installed version of a dependency of bench/ (read from disk: not every package exports it). */
const version = (pkg: string): string =>
  JSON.parse(readFileSync(new URL(`./node_modules/${pkg}/package.json`, import.meta.url), "utf8"))
    .version;

/** Busy and total jiffies of all CPUs, from /proc/stat (Linux); undefined elsewhere. */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
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

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Calls per CPU-second of client and server together (undefined without the server's figure). */
const totalCpuRate = (r: Row) =>
  r.remoteCpuMedian === undefined ? undefined : 1 / (1 / r.cpuMedian + 1 / r.remoteCpuMedian);

/** Runs the benchmark. */
export async function runRemoteCalls(
  options: Partial<Omit<MeasureOptions, "modes">> & {
    concurrency?: number;
    only?: string[];
    natsUrl?: string;
  } = {},
): Promise<RemoteCallsReport> {
  const concurrency = options.concurrency ?? 64;
  const natsUrl =
    options.natsUrl ??
    process.env.BENCH_NATS_URL ??
    process.env.WEFT_NATS_URL ??
    "nats://127.0.0.1:4222";
  const measureOptions: Omit<MeasureOptions, "progress"> = {
    modes: [
      { name: "sequential", concurrency: 1 },
      { name: `concurrent ${concurrency}`, concurrency },
    ],
    rounds: options.rounds ?? 11,
    roundMs: options.roundMs ?? 400,
    warmupMs: options.warmupMs ?? 1500,
    latency: true,
  };
  // Weft's app names allow letters, digits, "-" and "_"; so do NATS subject tokens.
  const namespace = `bench_${process.pid}_${Date.now().toString(36)}`;
  let weft: Weft | undefined;
  const compiledWeft = async () => {
    weft ??= await importCompiledWeft();
    return weft;
  };
  const all: ContenderSpec[] = [
    {
      id: "weft",
      name: WEFT,
      note: "server: createApp(def) with natsUrl, production mode; client: createApp(def, { clientOnly: true }) from the weft entry (defaults: 30 s deadline, retry() and circuitBreaker()), app.client(svc).echo(input); Weft compiled with tsconfig.build.json in both processes",
      server: "weft",
      start: async (ns, url) => weftClient(await compiledWeft(), ns, url),
    },
    {
      id: "weft-bare",
      name: WEFT_BARE,
      note: "the same client with `resilience: []` (no retry() / circuitBreaker() middleware), same server",
      server: "weft",
      start: async (ns, url) => weftClient(await compiledWeft(), ns, url, []),
    },
    {
      id: "moleculer",
      name: MOLECULER,
      note: "ServiceBroker in each process, NATS transporter (nats 2.x), JSON serializer, validator on in the server, logger off, defaults otherwise (requestTimeout 0: no timer), broker.call",
      server: "moleculer",
      start: (ns, url) => moleculerClient(ns, url, 0),
    },
    {
      id: "moleculer-timeout",
      name: MOLECULER_TIMEOUT,
      note: "the same client broker with requestTimeout 30 s: a timer per call, as Weft's default deadline; same server",
      server: "moleculer",
      start: (ns, url) => moleculerClient(ns, url, 30_000),
    },
    {
      id: "raw-inbox",
      name: RAW_INBOX,
      note: "@nats-io/transport-node: server a queue subscription answering JSON (fields checked by hand); client one reply-inbox subscription and a correlation map, publish per call (no deadline timer)",
      server: "raw",
      start: rawInboxClient,
    },
    {
      id: "raw-request",
      name: RAW_REQUEST,
      note: "the same server; client nc.request() per call with a 30 s timeout (nats.js's muxed inbox and a timer per request)",
      server: "raw",
      start: rawRequestClient,
    },
  ];
  const chosen = options.only === undefined ? all : all.filter((c) => options.only?.includes(c.id));
  if (chosen.length === 0)
    throw new Error(`no contender ${options.only}; known: ${all.map((c) => c.id).join(", ")}`);
  const progress = (line: string) => process.stderr.write(`${line}\n`);

  const loadSamples: number[] = [loadavg()[0] as number];
  const sampler = setInterval(() => loadSamples.push(loadavg()[0] as number), 2000);
  sampler.unref();
  const servers = new Map<ServerKind, ServerProcess>();
  const running: Running[] = [];
  let rows: Row[];
  let busy: { machine: number | undefined; bench: number | undefined } = {
    machine: undefined,
    bench: undefined,
  };
  try {
    // Build Weft before forking: the Weft server imports this build and must not rebuild it.
    if (chosen.some((c) => c.server === "weft")) await compiledWeft();
    const kinds = [...new Set(chosen.map((c) => c.server))];
    await Promise.all(
      kinds.map(async (kind) => {
        const server = await startServer(kind, namespace, natsUrl);
        servers.set(kind, server);
        progress(`  ${kind} server: pid ${server.pid}`);
      }),
    );
    for (const c of chosen) {
      const r = await c.start(namespace, natsUrl);
      running.push(r);
      // Answers right, and refuses a bad payload (every server here validates).
      const out = await withTimeout(r.call(PAYLOAD), 10_000, `${c.name}: first call`);
      if (out?.n !== PAYLOAD.a.length + PAYLOAD.b)
        throw new Error(`${c.name} answered ${JSON.stringify(out)}`);
      const refused = await withTimeout(
        r.call(BAD_PAYLOAD).then(
          () => false,
          () => true,
        ),
        10_000,
        `${c.name}: bad payload`,
      );
      if (!refused) throw new Error(`${c.name}: a bad payload was accepted`);
    }
    const contenders: Contender[] = chosen.map((c, i) => {
      const call = (running[i] as Running).call;
      const server = servers.get(c.server) as ServerProcess;
      return { name: c.name, call: () => call(PAYLOAD), remoteCpuMs: () => server.cpuMs() };
    });
    const cpuStart = cpuTimes();
    const ownStart = process.cpuUsage();
    const serversStart = await Promise.all([...servers.values()].map((s) => s.cpuMs()));
    rows = await measure(contenders, { ...measureOptions, progress });
    const cpuEnd = cpuTimes();
    const own = process.cpuUsage(ownStart);
    const serversEnd = await Promise.all([...servers.values()].map((s) => s.cpuMs()));
    if (cpuStart !== undefined && cpuEnd !== undefined) {
      const total = cpuEnd.total - cpuStart.total;
      // Jiffies are 1/100 s of one CPU on Linux: convert the bench's CPU ms the same way.
      const benchMs =
        (own.user + own.system) / 1000 +
        serversEnd.reduce((a, b, i) => a + b - (serversStart[i] as number), 0);
      busy = {
        machine: Math.round(((cpuEnd.busy - cpuStart.busy) / total) * 1000) / 10,
        bench: Math.round((benchMs / 10 / total) * 1000) / 10,
      };
    }
  } finally {
    clearInterval(sampler);
    for (const r of running)
      if (r.stop !== undefined)
        await withTimeout(r.stop(), 10_000, "stopping a client").catch(() => {});
    await Promise.all([...servers.values()].map((s) => s.stop()));
    // A server still starting when another failed: nothing will use it.
    for (const child of children) child.kill("SIGKILL");
  }

  const ratios: RemoteRatio[] = [];
  for (const [name, one, other] of [
    ["weft / moleculer", WEFT, MOLECULER],
    ["weft / raw (own inbox)", WEFT, RAW_INBOX],
    ["weft / raw (request())", WEFT, RAW_REQUEST],
    ["weft / moleculer + timeout", WEFT, MOLECULER_TIMEOUT],
    ["weft, resilience: [] / moleculer", WEFT_BARE, MOLECULER],
    ["weft, resilience: [] / raw (own inbox)", WEFT_BARE, RAW_INBOX],
    ["moleculer / raw (own inbox)", MOLECULER, RAW_INBOX],
  ] as const) {
    const ratio: RemoteRatio = { name, modes: {} };
    for (const mode of measureOptions.modes) {
      const row = (contender: string) =>
        rows.find((r) => r.mode === mode.name && r.contender === contender);
      const a = row(one);
      const b = row(other);
      if (a === undefined || b === undefined) continue;
      const cpuA = totalCpuRate(a);
      const cpuB = totalCpuRate(b);
      ratio.modes[mode.name] = {
        throughput: round3(a.median / b.median),
        cpu: cpuA === undefined || cpuB === undefined ? undefined : round3(cpuA / cpuB),
        p50:
          a.latency === undefined || b.latency === undefined
            ? undefined
            : round3(a.latency.p50 / b.latency.p50),
        p99:
          a.latency === undefined || b.latency === undefined
            ? undefined
            : round3(a.latency.p99 / b.latency.p99),
      };
    }
    if (Object.keys(ratio.modes).length > 0) ratios.push(ratio);
  }
  const concurrent = `concurrent ${concurrency}`;
  const ratioOf = (name: string, mode: string) => ratios.find((r) => r.name === name)?.modes[mode];
  const goal = (
    name: string,
    target: string,
    value: number | undefined,
    ok: (v: number) => boolean,
  ) => ({ name, target, value, met: value === undefined ? undefined : ok(value) }) satisfies Goal;
  const goals: Goal[] = [
    goal(
      `weft / moleculer throughput, ${concurrent}`,
      "≥ 1.3×",
      ratioOf("weft / moleculer", concurrent)?.throughput,
      (v) => v >= 1.3,
    ),
    goal(
      `weft / raw (own inbox) throughput, ${concurrent}`,
      "≥ 0.9×",
      ratioOf("weft / raw (own inbox)", concurrent)?.throughput,
      (v) => v >= 0.9,
    ),
    ...measureOptions.modes.map((m) =>
      goal(
        `weft p99 / moleculer p99, ${m.name}`,
        "≤ 1.0× (no worse)",
        ratioOf("weft / moleculer", m.name)?.p99,
        (v) => v <= 1,
      ),
    ),
  ];
  const raw = running.find((r) => r.serverVersion !== undefined);
  return {
    ...reportHeader("remote-calls"),
    versions: {
      moleculer: version("moleculer"),
      nats: version("nats"),
      "@nats-io/transport-node": version("@nats-io/transport-node"),
      "fastest-validator": version("fastest-validator"),
      zod: version("zod"),
    },
    natsServer: raw?.serverVersion ?? "unknown",
    namespace,
    payload: PAYLOAD,
    options: measureOptions,
    contenders: chosen.map((c) => ({ id: c.id, name: c.name, note: c.note })),
    rows,
    ratios,
    goals,
    load: {
      loadAvg1m: {
        min: Math.min(...loadSamples),
        median: median(loadSamples),
        max: Math.max(...loadSamples),
        samples: loadSamples.length,
      },
      machineBusyPct: busy.machine,
      benchPct: busy.bench,
    },
    source: sourceState(),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const fmt = (n: number) => n.toLocaleString("en-US");
const us = (n: number) => fmt(Math.round(n));
const x = (n: number | undefined) => (n === undefined ? "–" : `${n.toFixed(2)}×`);

/** Renders the report as readable tables (Markdown, so it can go into RESULTS.md as is). */
export function formatRemoteCalls(report: RemoteCallsReport): string {
  const v = report.versions;
  const lines = [
    `remote calls between two processes over NATS ${report.natsServer}, 2-field input validated by the server (payload ${JSON.stringify(report.payload)})`,
    `node ${report.node}, ${report.machine.cpus} × ${report.machine.cpuModel}; moleculer ${v.moleculer} + nats ${v.nats}, @nats-io/transport-node ${v["@nats-io/transport-node"]}, fastest-validator ${v["fastest-validator"]}, zod ${v.zod}`,
    `${report.options.rounds} rounds of ~${report.options.roundMs} ms per contender and mode after ${report.options.warmupMs} ms warm-up; median, min–max, spread = (max − min) / median; latency in µs, per call, measured in the client: median over the rounds of each round's p50 and p99 (p99 range: lowest–highest round); CPU µs per call: the client process, the server process (nats-server not counted)`,
    "",
    "| mode | contender | calls/s (median) | min – max | spread | p50 µs | p99 µs | p99 range µs | p99.9 µs (pooled) | client CPU µs/call | server CPU µs/call |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of report.rows) {
    const l = r.latency;
    lines.push(
      `| ${r.mode} | ${r.contender} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.spreadPct}% | ${l === undefined ? "–" : us(l.p50)} | ${l === undefined ? "–" : us(l.p99)} | ${l === undefined ? "–" : `${us(l.p99Min)} – ${us(l.p99Max)}`} | ${l === undefined ? "–" : us(l.pooledP999)} | ${(1e6 / r.cpuMedian).toFixed(1)} | ${r.remoteCpuMedian === undefined ? "–" : (1e6 / r.remoteCpuMedian).toFixed(1)} |`,
    );
  }
  const modes = report.options.modes.map((m) => m.name);
  if (report.ratios.length > 0)
    lines.push(
      "",
      `| ratio of medians | ${modes.map((m) => `${m}: calls/s | ${m}: calls per CPU-s (client + server) | ${m}: p50 | ${m}: p99`).join(" | ")} |`,
      `|---|${modes.map(() => "---:|---:|---:|---:").join("|")}|`,
    );
  for (const ratio of report.ratios) {
    const cells = modes.map((m) => {
      const r = ratio.modes[m];
      return r === undefined
        ? "– | – | – | –"
        : `${x(r.throughput)} | ${x(r.cpu)} | ${x(r.p50)} | ${x(r.p99)}`;
    });
    lines.push(`| ${ratio.name} | ${cells.join(" | ")} |`);
  }
  lines.push(
    "",
    "calls/s ratios: higher is better for the first named; p50 and p99 ratios: its latency over the other's, lower is better",
  );
  for (const g of report.goals) {
    lines.push(
      `goal ${g.name} ${g.target}: ${g.value === undefined ? "not measured" : `${g.value.toFixed(2)}× — ${g.met ? "met" : "NOT met"}`}`,
    );
  }
  const load = report.load;
  lines.push(
    `load average (1 min) during the run: ${load.loadAvg1m.min.toFixed(2)}–${load.loadAvg1m.max.toFixed(2)} (median ${load.loadAvg1m.median.toFixed(2)}) on ${report.machine.cpus} CPUs${load.machineBusyPct === undefined ? "" : `; CPUs busy while measuring: ${load.machineBusyPct}% of the machine, ${load.benchPct}% of it by this benchmark's two processes (the rest: nats-server and other jobs)`}${report.source === undefined ? "" : `; commit ${report.source.commit.slice(0, 12)}${report.source.srcDirty ? " with uncommitted changes in src/" : ""}`}`,
  );
  return lines.join("\n");
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === "serve") {
    const [kind, namespace, natsUrl] = process.argv.slice(3) as [string, string, string];
    await serve(kind, namespace, natsUrl);
  } else {
    const report = await runRemoteCalls(optionsFromEnv());
    console.log(formatRemoteCalls(report));
    console.log(`\nwrote ${writeReport("remote-calls", report)}`);
  }
}
