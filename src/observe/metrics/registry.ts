/**
 * An app's metrics: counters, gauges and histograms with labels, rendered in the Prometheus text
 * format (see exposition.ts). One registry per app, no global one, so two apps in one process
 * never mix their numbers. Registering a name again with the same type and labels returns the
 * metric already there, so modules may declare what they count without coordinating.
 *
 * @example
 * ```ts
 * const published = metrics.counter("weft_events_published_total", "Events published", ["topic"]);
 * published.inc({ topic: "order.placed" });
 * ```
 */
import { alreadyExists, invalidArgument } from "../../core/index.js";
import { type MetricFamily, renderMetric, type SeriesState } from "./exposition.js";

/** Label values by label name. A label left out counts as the empty string. */
export type LabelValues = Readonly<Record<string, string>>;

/** One series of a counter (fixed label values), for code that counts often. */
export interface CounterSeries {
  /** Adds `by` (default 1; never negative). */
  inc(by?: number): void;
}

/** A value that only goes up (resets when the process restarts). */
export interface Counter {
  /** Adds `by` (default 1) to the series of these label values. */
  inc(labels?: LabelValues, by?: number): void;
  /** The series of these label values, given in the declared label order. */
  series(...values: string[]): CounterSeries;
}

/** A value that goes up and down. */
export interface Gauge {
  set(labels: LabelValues | undefined, value: number): void;
  inc(labels?: LabelValues, by?: number): void;
}

/** One series of a histogram. */
export interface HistogramSeries {
  observe(value: number): void;
}

/** A distribution of values in cumulative buckets, with their sum and count. */
export interface Histogram {
  observe(labels: LabelValues | undefined, value: number): void;
  series(...values: string[]): HistogramSeries;
}

/** The metrics of one app. */
export interface Metrics {
  /** Declares (or finds) a counter. Names end in `_total`. */
  counter(name: string, help: string, labels?: readonly string[]): Counter;
  /** Declares (or finds) a gauge. */
  gauge(name: string, help: string, labels?: readonly string[]): Gauge;
  /** Declares (or finds) a histogram. Default buckets: {@link DEFAULT_BUCKETS} (seconds). */
  histogram(
    name: string,
    help: string,
    labels?: readonly string[],
    buckets?: readonly number[],
  ): Histogram;
  /** Runs `collect` before every render (to set gauges read from elsewhere). */
  onCollect(collect: () => void): void;
  /** Every metric in the Prometheus text exposition format 0.0.4. */
  render(): string;
}

/**
 * Default histogram buckets, in seconds: from 100 µs (a call inside one process) to 10 s (a
 * remote call near its deadline).
 */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function keyOf(values: readonly string[]): string {
  return values.length === 1 ? (values[0] as string) : values.join("\u0000");
}

function valuesOf(family: MetricFamily, labels: LabelValues | undefined): string[] {
  return family.labels.map((l) => labels?.[l] ?? "");
}

function seriesOf(family: MetricFamily, values: readonly string[]): SeriesState {
  const key = keyOf(values);
  let s = family.series.get(key);
  if (s === undefined) {
    const counts =
      family.type === "histogram" ? new Float64Array(family.buckets.length + 1) : undefined;
    s = { values: [...values], value: 0, counts, count: 0 };
    family.series.set(key, s);
  }
  return s;
}

function bucketIndex(buckets: readonly number[], value: number): number {
  let lo = 0;
  let hi = buckets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (value <= (buckets[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function observeInto(family: MetricFamily, s: SeriesState, value: number): void {
  const counts = s.counts as Float64Array;
  const i = bucketIndex(family.buckets, value);
  counts[i] = (counts[i] as number) + 1;
  s.value += value;
  s.count += 1;
}

function positive(name: string, by: number): number {
  if (by >= 0) return by;
  throw invalidArgument("COUNTER_DECREASED", `counter ${name} cannot go down (got ${by})`);
}

/** Creates an empty registry. */
export function createMetrics(): Metrics {
  const families = new Map<string, MetricFamily>();
  const collectors: (() => void)[] = [];

  const declare = (
    type: MetricFamily["type"],
    name: string,
    help: string,
    labels: readonly string[],
    buckets: readonly number[],
  ): MetricFamily => {
    const known = families.get(name);
    if (known !== undefined) {
      if (known.type !== type || known.labels.join(",") !== labels.join(",")) {
        throw alreadyExists(
          "METRIC_EXISTS",
          `metric ${name} is already a ${known.type} with labels [${known.labels.join(", ")}]`,
          { metadata: { metric: name } },
        );
      }
      return known;
    }
    const bad = [
      ...(METRIC_NAME.test(name)
        ? []
        : [{ path: ["name"], message: "must match [a-zA-Z_:][a-zA-Z0-9_:]*" }]),
      ...labels
        .filter(
          (l) => !LABEL_NAME.test(l) || l.startsWith("__") || (type === "histogram" && l === "le"),
        )
        .map((l) => ({ path: ["labels", l], message: "is not a valid label name" })),
      ...[...buckets.entries()]
        .filter(([i, b]) => !Number.isFinite(b) || (i > 0 && b <= (buckets[i - 1] as number)))
        .map(([i]) => ({ path: ["buckets", i], message: "buckets must be finite and increasing" })),
    ];
    if (bad.length > 0) {
      throw invalidArgument("METRIC_INVALID", `metric ${name} is not valid`, { issues: bad });
    }
    const family: MetricFamily = {
      name,
      help,
      type,
      labels: [...labels],
      buckets,
      series: new Map(),
    };
    families.set(name, family);
    return family;
  };

  return {
    counter(name, help, labels = []) {
      const family = declare("counter", name, help, labels, []);
      return {
        inc(values, by = 1) {
          seriesOf(family, valuesOf(family, values)).value += positive(name, by);
        },
        series(...values) {
          const s = seriesOf(family, values);
          return {
            inc(by = 1) {
              s.value += positive(name, by);
            },
          };
        },
      };
    },
    gauge(name, help, labels = []) {
      const family = declare("gauge", name, help, labels, []);
      return {
        set(values, value) {
          seriesOf(family, valuesOf(family, values)).value = value;
        },
        inc(values, by = 1) {
          seriesOf(family, valuesOf(family, values)).value += by;
        },
      };
    },
    histogram(name, help, labels = [], buckets = DEFAULT_BUCKETS) {
      const family = declare("histogram", name, help, labels, buckets);
      return {
        observe(values, value) {
          observeInto(family, seriesOf(family, valuesOf(family, values)), value);
        },
        series(...values) {
          const s = seriesOf(family, values);
          return { observe: (value) => observeInto(family, s, value) };
        },
      };
    },
    onCollect(collect) {
      collectors.push(collect);
    },
    render() {
      for (const collect of collectors) collect();
      let out = "";
      for (const family of families.values()) out += renderMetric(family);
      return out;
    },
  };
}
