/**
 * The measuring harness shared by the benchmarks: warm-up, calibrated rounds run in rotating order
 * (so slow drift of a noisy machine is spread over every contender), sequential and concurrent
 * call loops, medians and spread, and a rough heap figure per call.
 *
 * @example
 * ```ts
 * const report = await measure(
 *   [{ name: "plain", call: () => plain(input) }],
 *   { modes: [{ name: "sequential", concurrency: 1 }], rounds: 7, roundMs: 500, warmupMs: 1000 },
 * );
 * ```
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/** One thing being measured: a function making one call. */
export interface Contender {
  readonly name: string;
  /** One sentence: what the call does, for the report. */
  readonly note?: string;
  readonly call: () => Promise<unknown>;
}

/** How calls are issued: one at a time (`concurrency` 1) or that many in flight. */
export interface Mode {
  readonly name: string;
  readonly concurrency: number;
}

/** Options of {@link measure}. */
export interface MeasureOptions {
  readonly modes: readonly Mode[];
  /** Measured rounds per contender and mode. */
  readonly rounds: number;
  /** Target length of one round, in ms (the call count is calibrated during warm-up). */
  readonly roundMs: number;
  /** Warm-up per contender and mode, in ms. */
  readonly warmupMs: number;
  /** Prints progress when given. */
  readonly progress?: (line: string) => void;
}

/** The figures of one contender in one mode. */
export interface Row {
  readonly mode: string;
  readonly concurrency: number;
  readonly contender: string;
  readonly callsPerRound: number;
  /** Calls per second of each round, in the order run. */
  readonly rounds: readonly number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max − min) / median, in percent. */
  readonly spreadPct: number;
  /** 1e9 / median: nanoseconds per call at the median rate. */
  readonly nsPerCall: number;
  /**
   * Median calls per second of CPU time used by the process (all threads, GC helpers included):
   * less sensitive than wall time to other processes taking the CPU on a shared machine.
   */
  readonly cpuMedian: number;
  /** Time spent in garbage collection during the measured rounds, as a share of their time (%). */
  readonly gcPct: number;
  /** Heap bytes allocated per call, estimated over a window with no GC; undefined if none found. */
  readonly heapBytesPerCall: number | undefined;
}

type Gc = { start: number; end: number };

const gcEvents: Gc[] = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    gcEvents.push({ start: e.startTime, end: e.startTime + e.duration });
});
observer.observe({ entryTypes: ["gc"] });

/** GC entries are delivered asynchronously: let them arrive before reading them. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

function gcTimeWithin(start: number, end: number): number {
  let total = 0;
  for (const e of gcEvents) {
    const from = Math.max(e.start, start);
    const to = Math.min(e.end, end);
    if (to > from) total += to - from;
  }
  return total;
}

const collect = (globalThis as { gc?: () => void }).gc;

async function runCalls(call: () => Promise<unknown>, count: number, concurrency: number) {
  if (concurrency === 1) {
    for (let i = 0; i < count; i++) await call();
    return;
  }
  let left = count;
  const worker = async () => {
    while (left > 0) {
      left--;
      await call();
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < concurrency; i++) workers.push(worker());
  await Promise.all(workers);
}

async function timed(call: () => Promise<unknown>, count: number, concurrency: number) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await runCalls(call, count, concurrency);
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  return { start, end, ms: end - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs calls for about `ms` and returns the rate seen: warm-up and calibration in one. */
async function warmUp(call: () => Promise<unknown>, ms: number, concurrency: number) {
  let calls = 0;
  let batch = 1000;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    await runCalls(call, batch, concurrency);
    calls += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 4) batch *= 2;
  }
  return (calls / elapsed) * 1000;
}

/**
 * Heap bytes allocated per call: after a full GC, the growth of the used heap over a batch small
 * enough to fit in the young generation, retried until a batch ran with no GC. Needs --expose-gc.
 */
async function heapPerCall(call: () => Promise<unknown>, concurrency: number) {
  if (collect === undefined) return undefined;
  for (const count of [4000, 2000, 1000, 500]) {
    collect();
    await settle();
    const before = process.memoryUsage().heapUsed;
    const { start, end } = await timed(call, count, concurrency);
    const after = process.memoryUsage().heapUsed;
    await settle();
    if (gcTimeWithin(start, end) === 0 && !gcEvents.some((e) => e.start >= start && e.start <= end))
      return Math.max(0, (after - before) / count);
  }
  return undefined;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** Measures every contender in every mode; contenders take turns within each round. */
export async function measure(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of options.modes) {
    const counts = new Map<string, number>();
    for (const c of contenders) {
      const rate = await warmUp(c.call, options.warmupMs, mode.concurrency);
      counts.set(c.name, Math.max(1000, Math.round((rate * options.roundMs) / 1000)));
      options.progress?.(`  warm-up ${mode.name} ${c.name}: ~${Math.round(rate)} calls/s`);
    }
    const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const cpuRates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const gcMs = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    const runMs = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so no contender always runs first (or right after a GC-heavy one).
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(round + k) % contenders.length] as Contender;
        const count = counts.get(c.name) as number;
        const t = await timed(c.call, count, mode.concurrency);
        await settle();
        rates.get(c.name)?.push((count / t.ms) * 1000);
        cpuRates.get(c.name)?.push((count / t.cpuMs) * 1000);
        gcMs.set(c.name, (gcMs.get(c.name) as number) + gcTimeWithin(t.start, t.end));
        runMs.set(c.name, (runMs.get(c.name) as number) + t.ms);
      }
      options.progress?.(`  ${mode.name}: round ${round + 1}/${options.rounds} done`);
    }
    for (const c of contenders) {
      const xs = rates.get(c.name) as number[];
      const med = median(xs);
      const min = Math.min(...xs);
      const max = Math.max(...xs);
      rows.push({
        mode: mode.name,
        concurrency: mode.concurrency,
        contender: c.name,
        callsPerRound: counts.get(c.name) as number,
        rounds: xs.map((x) => Math.round(x)),
        median: Math.round(med),
        min: Math.round(min),
        max: Math.round(max),
        spreadPct: Math.round(((max - min) / med) * 1000) / 10,
        nsPerCall: Math.round(1e9 / med),
        cpuMedian: Math.round(median(cpuRates.get(c.name) as number[])),
        gcPct:
          Math.round(((gcMs.get(c.name) as number) / (runMs.get(c.name) as number)) * 1000) / 10,
        heapBytesPerCall: await heapPerCall(c.call, mode.concurrency).then((b) =>
          b === undefined ? undefined : Math.round(b),
        ),
      });
    }
  }
  return rows;
}

/** Tells whether the module at `url` is the script node was started with. */
export function isMain(url: string): boolean {
  return process.argv[1] !== undefined && fileURLToPath(url) === resolve(process.argv[1]);
}

/** Reads the harness options from BENCH_* variables (unset ones stay undefined: defaults). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const num = (v: string | undefined) => (v === undefined || v === "" ? undefined : Number(v));
  return {
    rounds: num(env.BENCH_ROUNDS),
    roundMs: num(env.BENCH_ROUND_MS),
    warmupMs: num(env.BENCH_WARMUP_MS),
    concurrency: num(env.BENCH_CONCURRENCY),
    only: env.BENCH_ONLY?.split(",").map((s) => s.trim()),
  };
}

/** Writes a report to `bench/results/<name>.json` and returns the path relative to bench/. */
export function writeReport(name: string, report: unknown): string {
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(report, null, 2)}\n`);
  return `results/${name}.json`;
}
