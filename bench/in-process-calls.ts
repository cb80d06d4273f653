/**
 * In-process call throughput with a 2-field input schema validated on every call: Weft's
 * `app.client(svc).method(input)` next to Moleculer's local `broker.call` (validator on), and two
 * plain async functions that separate framework overhead from validator cost.
 *
 * Run alone: `npm run bench:in-process-calls` (in bench/). Options via env: BENCH_ROUNDS,
 * BENCH_ROUND_MS, BENCH_WARMUP_MS, BENCH_CONCURRENCY, BENCH_ONLY (comma-separated ids: weft,
 * weft-bare, weft-tsx, moleculer, moleculer-timeout, plain-zod, plain-fv, plain).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import fastestValidator from "fastest-validator";
import { ServiceBroker } from "moleculer";
import * as weftSource from "../src/index.js";
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
import { importCompiledWeft } from "./weft-build.js";

async function plain(input: Input): Promise<Output> {
  return work(input);
}

/** Validates with zod through Standard Schema, exactly as Weft does. */
async function plainZod(input: Input): Promise<Output> {
  const result = ZodInput["~standard"].validate(input);
  if (result instanceof Promise) throw new Error("unexpected async schema");
  if (result.issues !== undefined) throw new Error(`invalid input: ${result.issues[0]?.message}`);
  return work(result.value);
}

// Its types declare `export default`, but the package is CommonJS with `module.exports = Validator`.
const Validator = fastestValidator as unknown as typeof fastestValidator.default;
const fvCheck = new Validator().compile(FV_SCHEMA);
async function plainFastestValidator(input: Input): Promise<Output> {
  const result = fvCheck(input);
  if (result !== true) throw new Error("invalid input");
  return work(input);
}

async function startWeft(weft: typeof weftSource, resilience?: []) {
  const { createApp, defineApp, defineService, method } = weft;
  const bench = defineService("bench", {
    echo: method({ input: ZodInput, output: ZodOutput }),
  });
  const impl = bench.implement({
    async echo(_ctx, input) {
      return work(input);
    },
  });
  const app = createApp(defineApp({ name: "bench", services: [impl] }), {
    env: { NODE_ENV: "production" },
    config: { logLevel: "silent" },
    ...(resilience === undefined ? {} : { resilience }),
  });
  await app.start();
  const client = app.client(bench);
  return { call: (input: Input) => client.echo(input), stop: () => app.stop() };
}

async function startMoleculer(requestTimeout: number) {
  // Local only: no transporter; logger off; the built-in fastest-validator checks `params`.
  const broker = new ServiceBroker({
    nodeID: `bench-${requestTimeout}`,
    logger: false,
    transporter: null,
    validator: true,
    requestTimeout,
  });
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
  return {
    call: (input: Input) => broker.call("bench.echo", input) as Promise<Output>,
    stop: () => broker.stop(),
  };
}

/** Names of the contenders, as they appear in the report. */
const WEFT = "weft (zod), compiled by tsc";
const WEFT_TSX = "weft (zod), src/ through tsx";
const WEFT_BARE = "weft (zod), compiled, resilience: []";
const MOLECULER = "moleculer (fastest-validator)";
const MOLECULER_TIMEOUT = "moleculer + requestTimeout 30s";
const PLAIN = "plain async, no validation";
const PLAIN_ZOD = "plain async + zod";
const PLAIN_FV = "plain async + fastest-validator";

/** A contender ready to be called. */
interface Running {
  call(input: Input): Promise<Output>;
  stop?(): Promise<unknown>;
}

interface ContenderSpec {
  /** What BENCH_ONLY selects it by. */
  readonly id: string;
  readonly name: string;
  readonly note: string;
  /** Whether it refuses an invalid payload. */
  readonly validates: boolean;
  start(): Promise<Running>;
}

/** What the benchmark reports, also written as JSON. */
export interface InProcessCallsReport {
  readonly benchmark: "in-process-calls";
  readonly date: string;
  readonly node: string;
  readonly machine: { cpus: number; cpuModel: string; platform: string; arch: string };
  readonly versions: Record<string, string>;
  readonly payload: Input;
  readonly options: Omit<MeasureOptions, "progress">;
  readonly contenders: readonly { id: string; name: string; note: string }[];
  readonly rows: readonly Row[];
  /** One contender's median over another's, per mode: wall-clock calls/s and calls per CPU-second. */
  readonly ratios: readonly Ratio[];
  /** The 1-minute load average before and after: how busy the (shared) machine was. */
  readonly load: { start: number; end: number };
  /** The repo commit measured, and whether src/ had uncommitted changes. */
  readonly source: { commit: string; srcDirty: boolean } | undefined;
}

/** `name` is "a / b": a's median over b's. */
export interface Ratio {
  readonly name: string;
  readonly modes: Record<string, { wall: number; cpu: number }>;
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

/** Runs the benchmark. */
export async function runInProcessCalls(
  options: Partial<Omit<MeasureOptions, "modes">> & { concurrency?: number; only?: string[] } = {},
): Promise<InProcessCallsReport> {
  const concurrency = options.concurrency ?? 64;
  const measureOptions: Omit<MeasureOptions, "progress"> = {
    modes: [
      { name: "sequential", concurrency: 1 },
      { name: `concurrent ${concurrency}`, concurrency },
    ],
    rounds: options.rounds ?? 11,
    roundMs: options.roundMs ?? 400,
    warmupMs: options.warmupMs ?? 1500,
  };
  const all: ContenderSpec[] = [
    {
      id: "weft",
      name: WEFT,
      note: "createApp(...) from the weft entry in production mode (input validation only; defaults: 30 s deadline, retry() and circuitBreaker() client middleware), app.client(svc).echo(input); compiled with tsconfig.build.json, as published",
      validates: true,
      start: async () => startWeft(await importCompiledWeft()),
    },
    {
      id: "weft-bare",
      name: WEFT_BARE,
      note: "the compiled one with `resilience: []`: without the default retry() and circuitBreaker() client middleware",
      validates: true,
      start: async () => startWeft(await importCompiledWeft(), []),
    },
    {
      id: "weft-tsx",
      name: WEFT_TSX,
      note: "the same, Weft's src/ loaded through tsx (esbuild keepNames: a __name() call per closure made)",
      validates: true,
      start: () => startWeft(weftSource),
    },
    {
      id: "moleculer",
      name: MOLECULER,
      note: "ServiceBroker, no transporter, logger off, validator on (defaults: requestTimeout 0 = no timer), broker.call",
      validates: true,
      start: () => startMoleculer(0),
    },
    {
      id: "moleculer-timeout",
      name: MOLECULER_TIMEOUT,
      note: "the same with requestTimeout 30 s: a timer per call, as Weft's default deadline",
      validates: true,
      start: () => startMoleculer(30_000),
    },
    {
      id: "plain-zod",
      name: PLAIN_ZOD,
      note: "async function validating with zod's Standard Schema validate, as Weft does",
      validates: true,
      start: async () => ({ call: plainZod }),
    },
    {
      id: "plain-fv",
      name: PLAIN_FV,
      note: "async function validating with a compiled fastest-validator check, as Moleculer does",
      validates: true,
      start: async () => ({ call: plainFastestValidator }),
    },
    {
      id: "plain",
      name: PLAIN,
      note: "async function doing the same work without validation",
      validates: false,
      start: async () => ({ call: plain }),
    },
  ];
  const chosen = options.only === undefined ? all : all.filter((c) => options.only?.includes(c.id));
  if (chosen.length === 0)
    throw new Error(`no contender ${options.only}; known: ${all.map((c) => c.id).join(", ")}`);
  const loadStart = loadavg()[0] as number;
  const running: Running[] = [];
  let rows: Row[];
  try {
    for (const c of chosen) {
      const r = await c.start();
      running.push(r);
      // Answers right, and refuses a bad payload exactly when it claims to validate.
      const out = await r.call(PAYLOAD);
      if (out?.n !== PAYLOAD.a.length + PAYLOAD.b)
        throw new Error(`${c.name} answered ${JSON.stringify(out)}`);
      const refused = await r.call(BAD_PAYLOAD).then(
        () => false,
        () => true,
      );
      if (refused !== c.validates)
        throw new Error(`${c.name}: a bad payload was ${refused ? "refused" : "accepted"}`);
    }
    const contenders: Contender[] = chosen.map((c, i) => {
      const call = (running[i] as Running).call;
      return { name: c.name, call: () => call(PAYLOAD) };
    });
    rows = await measure(contenders, {
      ...measureOptions,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    for (const r of running) await r.stop?.();
  }
  const loadEnd = loadavg()[0] as number;
  const ratios: Ratio[] = [];
  for (const [name, one, other] of [
    ["weft / moleculer", WEFT, MOLECULER],
    ["weft (tsx) / moleculer", WEFT_TSX, MOLECULER],
    ["weft, resilience: [] / moleculer", WEFT_BARE, MOLECULER],
    ["weft / moleculer + timeout", WEFT, MOLECULER_TIMEOUT],
    ["weft / plain + zod", WEFT, PLAIN_ZOD],
  ] as const) {
    const ratio: Ratio = { name, modes: {} };
    for (const mode of measureOptions.modes) {
      const row = (contender: string) =>
        rows.find((r) => r.mode === mode.name && r.contender === contender);
      const a = row(one);
      const b = row(other);
      if (a === undefined || b === undefined) continue;
      ratio.modes[mode.name] = {
        wall: Math.round((a.median / b.median) * 1000) / 1000,
        cpu: Math.round((a.cpuMedian / b.cpuMedian) * 1000) / 1000,
      };
    }
    if (Object.keys(ratio.modes).length > 0) ratios.push(ratio);
  }
  return {
    ...reportHeader("in-process-calls"),
    versions: {
      moleculer: version("moleculer"),
      "fastest-validator": version("fastest-validator"),
      zod: version("zod"),
    },
    payload: PAYLOAD,
    options: measureOptions,
    contenders: chosen.map((c) => ({ id: c.id, name: c.name, note: c.note })),
    rows,
    ratios,
    load: { start: loadStart, end: loadEnd },
    source: sourceState(),
  };
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** Renders the report as a readable table (Markdown, so it can go into RESULTS.md as is). */
export function formatInProcessCalls(report: InProcessCallsReport): string {
  const lines = [
    `in-process calls, 2-field input validated (payload ${JSON.stringify(report.payload)})`,
    `node ${report.node}, ${report.machine.cpus} × ${report.machine.cpuModel}; moleculer ${report.versions.moleculer}, fastest-validator ${report.versions["fastest-validator"]}, zod ${report.versions.zod}`,
    `${report.options.rounds} rounds of ~${report.options.roundMs} ms per contender and mode after ${report.options.warmupMs} ms warm-up; median, min–max, spread = (max − min) / median`,
    "",
    "| mode | contender | calls/s (median) | min – max | spread | ns/call | calls/CPU-s | GC time | heap B/call |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of report.rows) {
    lines.push(
      `| ${r.mode} | ${r.contender} | ${fmt(r.median)} | ${fmt(r.min)} – ${fmt(r.max)} | ${r.spreadPct}% | ${fmt(r.nsPerCall)} | ${fmt(r.cpuMedian)} | ${r.gcPct}% | ${r.heapBytesPerCall === undefined ? "n/a" : fmt(r.heapBytesPerCall)} |`,
    );
  }
  const modes = report.options.modes.map((m) => m.name);
  if (report.ratios.length > 0)
    lines.push(
      "",
      `| ratio of medians | ${modes.map((m) => `${m} (wall) | ${m} (CPU)`).join(" | ")} |`,
      `|---|${modes.map(() => "---:|---:").join("|")}|`,
    );
  for (const ratio of report.ratios) {
    const cells = modes.map((m) => {
      const r = ratio.modes[m];
      return r === undefined ? "– | –" : `${r.wall.toFixed(2)}× | ${r.cpu.toFixed(2)}×`;
    });
    lines.push(`| ${ratio.name} | ${cells.join(" | ")} |`);
  }
  lines.push("");
  for (const m of modes) {
    const ns = (contender: string) =>
      report.rows.find((r) => r.mode === m && r.contender === contender)?.nsPerCall;
    const overhead = (framework: string, validator: string) => {
      const a = ns(framework);
      const b = ns(validator);
      return a === undefined || b === undefined ? "n/a" : `${fmt(a - b)} ns`;
    };
    lines.push(
      `${m}: framework overhead per call over a plain async function with the same validator: weft ${overhead(WEFT, PLAIN_ZOD)}, moleculer ${overhead(MOLECULER, PLAIN_FV)}`,
    );
  }
  lines.push(
    `load average (1 min): ${report.load.start.toFixed(2)} before, ${report.load.end.toFixed(2)} after${report.source === undefined ? "" : `; commit ${report.source.commit.slice(0, 12)}${report.source.srcDirty ? " with uncommitted changes in src/" : ""}`}`,
  );
  return lines.join("\n");
}

if (isMain(import.meta.url)) {
  const report = await runInProcessCalls(optionsFromEnv());
  console.log(formatInProcessCalls(report));
  console.log(`\nwrote ${writeReport("in-process-calls", report)}`);
}
