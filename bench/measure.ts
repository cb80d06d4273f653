/**
 * The measuring harness shared by the benchmarks: warm-up, calibrated rounds run in rotating order
 * (so slow drift of a noisy machine is spread over every contender), sequential and concurrent
 * call loops, medians and spread, and a rough heap figure per call. Optionally, per-call latency
 * (`latency: true`: each call timed with performance.now(), p50/p99 per round) and the CPU time a
 * contender's other process spent in each round (`Contender.remoteCpuMs`, e.g. a server).
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
import { arch, cpus, platform, release } from "node:os";
import { resolve } from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

/** One thing being measured: a function making one call. */
export interface Contender {
  readonly name: string;
  /** One sentence: what the call does, for the report. */
  readonly note?: string;
  readonly call: () => Promise<unknown>;
  /**
   * CPU time used so far by another process serving this contender's calls (a server), in ms;
   * read before and after each measured round. Reported as calls per remote CPU-second.
   */
  readonly remoteCpuMs?: () => Promise<number>;
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
  /** Times every measured call (performance.now() around it) and reports latency percentiles. */
  readonly latency?: boolean;
  /** Fewest calls in one round, whatever the calibration says. Default 1000. */
  readonly minCallsPerRound?: number;
  /** Calls in the first warm-up batch (doubled while under a quarter of the warm-up). Default 1000. */
  readonly warmupBatch?: number;
  /** Estimate heap bytes per call after the rounds (up to 7,500 more calls). Default true. */
  readonly heapPerCall?: boolean;
}

/** Latency of the measured calls of one contender and mode, in microseconds. */
export interface Latency {
  /** Median over the rounds of each round's p50. */
  readonly p50: number;
  /** Median over the rounds of each round's p99 (steadier than pooling on a noisy machine). */
  readonly p99: number;
  /** Lowest and highest per-round p99. */
  readonly p99Min: number;
  readonly p99Max: number;
  /** p50, p99 and p99.9 over every measured call of every round pooled together. */
  readonly pooledP50: number;
  readonly pooledP99: number;
  readonly pooledP999: number;
  /** Slowest call seen. */
  readonly max: number;
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
  /** With `latency: true`: per-call latency. */
  readonly latency?: Latency;
  /** With `Contender.remoteCpuMs`: median calls per CPU-second of the other (serving) process. */
  readonly remoteCpuMedian?: number;
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

async function runCalls(
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
  latencies?: Float64Array,
) {
  if (latencies !== undefined) return runTimedCalls(call, count, concurrency, latencies);
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

/** The same loops, writing each call's latency (ms) into `latencies[0..count)`. */
async function runTimedCalls(
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
  latencies: Float64Array,
) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const start = performance.now();
      await call();
      latencies[i] = performance.now() - start;
    }
  };
  const workers: Promise<void>[] = [];
  for (let i = 0; i < Math.min(concurrency, count); i++) workers.push(worker());
  await Promise.all(workers);
}

async function timed(
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
  latencies?: Float64Array,
) {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await runCalls(call, count, concurrency, latencies);
  const end = performance.now();
  const used = process.cpuUsage(cpu);
  return { start, end, ms: end - start, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs calls for about `ms` and returns the rate seen: warm-up and calibration in one. */
async function warmUp(
  call: () => Promise<unknown>,
  ms: number,
  concurrency: number,
  firstBatch = 1000,
) {
  let calls = 0;
  let batch = firstBatch;
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

/** The value at quantile `q` (0..1) of numbers sorted ascending (nearest rank). */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

const micros = (ms: number) => Math.round(ms * 10_000) / 10;

/** Measures every contender in every mode; contenders take turns within each round. */
export async function measure(
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const mode of options.modes) {
    const counts = new Map<string, number>();
    for (const c of contenders) {
      const rate = await warmUp(c.call, options.warmupMs, mode.concurrency, options.warmupBatch);
      counts.set(
        c.name,
        Math.max(options.minCallsPerRound ?? 1000, Math.round((rate * options.roundMs) / 1000)),
      );
      options.progress?.(`  warm-up ${mode.name} ${c.name}: ~${Math.round(rate)} calls/s`);
    }
    const rates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const cpuRates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const gcMs = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    const runMs = new Map<string, number>(contenders.map((c) => [c.name, 0]));
    const remoteCpuRates = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    // Per contender: each round's latencies (ms), and every round's together.
    const latencyBuffers = new Map<string, Float64Array>();
    const pooled = new Map<string, Float64Array[]>(contenders.map((c) => [c.name, []]));
    const roundP50 = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    const roundP99 = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
    if (options.latency)
      for (const c of contenders)
        latencyBuffers.set(c.name, new Float64Array(counts.get(c.name) as number));
    for (let round = 0; round < options.rounds; round++) {
      // Rotate the order so no contender always runs first (or right after a GC-heavy one).
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(round + k) % contenders.length] as Contender;
        const count = counts.get(c.name) as number;
        const latencies = latencyBuffers.get(c.name);
        const remoteBefore = await c.remoteCpuMs?.();
        const t = await timed(c.call, count, mode.concurrency, latencies);
        await settle();
        if (remoteBefore !== undefined && c.remoteCpuMs !== undefined) {
          const remoteMs = (await c.remoteCpuMs()) - remoteBefore;
          remoteCpuRates.get(c.name)?.push((count / remoteMs) * 1000);
        }
        if (latencies !== undefined) {
          const sorted = latencies.slice().sort();
          pooled.get(c.name)?.push(sorted);
          roundP50.get(c.name)?.push(quantile(sorted, 0.5));
          roundP99.get(c.name)?.push(quantile(sorted, 0.99));
        }
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
        heapBytesPerCall:
          options.heapPerCall === false
            ? undefined
            : await heapPerCall(c.call, mode.concurrency).then((b) =>
                b === undefined ? undefined : Math.round(b),
              ),
        ...latencyOf(pooled.get(c.name), roundP50.get(c.name), roundP99.get(c.name)),
        ...((remoteCpuRates.get(c.name)?.length ?? 0) > 0
          ? { remoteCpuMedian: Math.round(median(remoteCpuRates.get(c.name) as number[])) }
          : {}),
      });
    }
  }
  return rows;
}

function latencyOf(
  rounds: readonly Float64Array[] | undefined,
  p50s: readonly number[] | undefined,
  p99s: readonly number[] | undefined,
): { latency?: Latency } {
  if (rounds === undefined || rounds.length === 0 || p50s === undefined || p99s === undefined)
    return {};
  const all = new Float64Array(rounds.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of rounds) {
    all.set(r, at);
    at += r.length;
  }
  all.sort();
  return {
    latency: {
      p50: micros(median(p50s)),
      p99: micros(median(p99s)),
      p99Min: micros(Math.min(...p99s)),
      p99Max: micros(Math.max(...p99s)),
      pooledP50: micros(quantile(all, 0.5)),
      pooledP99: micros(quantile(all, 0.99)),
      pooledP999: micros(quantile(all, 0.999)),
      max: micros(all[all.length - 1] as number),
    },
  };
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

/** The first fields of every JSON report: which benchmark, when, on what Node and machine. */
export function reportHeader<B extends string>(benchmark: B) {
  return {
    benchmark,
    date: new Date().toISOString(),
    node: process.version,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? "unknown",
      platform: `${platform()} ${release()}`,
      arch: arch(),
    },
  };
}

/** Writes a report to `bench/results/<name>.json` and returns the path relative to bench/. */
export function writeReport(name: string, report: unknown): string {
  const dir = new URL("./results/", import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(report, null, 2)}\n`);
  return `results/${name}.json`;
}
