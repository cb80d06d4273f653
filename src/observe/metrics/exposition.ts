/**
 * The Prometheus text exposition format (version 0.0.4), written by hand: it is a few lines of
 * escaping and number formatting, and no metrics library is a dependency of Weft.
 */

/** The stored state of one metric, for rendering. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly labels: readonly string[];
  readonly buckets: readonly number[];
  readonly series: Map<string, SeriesState>;
}

/** One series: its label values and numbers. */
export interface SeriesState {
  readonly values: readonly string[];
  value: number;
  /** Histograms: count per bucket (not cumulative), the last one for +Inf. */
  readonly counts: Float64Array | undefined;
  count: number;
}

/** The content type of {@link renderMetric}'s output. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Escapes a label value: backslash, double quote and newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === "\n" ? "\\n" : `\\${c}`));
}

function escapeHelp(help: string): string {
  return help.replace(/[\\\n]/g, (c) => (c === "\n" ? "\\n" : "\\\\"));
}

/** A sample value as Prometheus writes it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function labelSet(names: readonly string[], values: readonly string[], extra?: string): string {
  const parts: string[] = [];
  for (let i = 0; i < names.length; i++) {
    parts.push(`${names[i]}="${escapeLabelValue(values[i] ?? "")}"`);
  }
  if (extra !== undefined) parts.push(extra);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

/** Renders one metric: its HELP and TYPE lines, then every series. */
export function renderMetric(family: MetricFamily): string {
  const { name, labels } = family;
  let out = `# HELP ${name} ${escapeHelp(family.help)}\n# TYPE ${name} ${family.type}\n`;
  for (const s of family.series.values()) {
    if (family.type !== "histogram") {
      out += `${name}${labelSet(labels, s.values)} ${formatValue(s.value)}\n`;
      continue;
    }
    const counts = s.counts as Float64Array;
    let cumulative = 0;
    for (let i = 0; i <= family.buckets.length; i++) {
      cumulative += counts[i] as number;
      const le = i < family.buckets.length ? formatValue(family.buckets[i] as number) : "+Inf";
      out += `${name}_bucket${labelSet(labels, s.values, `le="${le}"`)} ${cumulative}\n`;
    }
    out += `${name}_sum${labelSet(labels, s.values)} ${formatValue(s.value)}\n`;
    out += `${name}_count${labelSet(labels, s.values)} ${s.count}\n`;
  }
  return out;
}
