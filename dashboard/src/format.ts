/** Numbers, durations and times as the pages show them (in the browser's locale and time zone). */

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const percent = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });

/** 12,345 */
export function count(n: number): string {
  return integer.format(n);
}

/** 0.42 calls/s, 12.5, 1,234 */
export function rate(n: number): string {
  if (n === 0) return "0";
  if (n < 0.01) return "< 0.01";
  return n >= 100 ? integer.format(n) : decimal.format(n);
}

/** 2.5 % of calls, or "—" with none. */
export function ratio(part: number, whole: number): string {
  return whole === 0 ? "—" : percent.format(part / whole);
}

/** 0.42 ms, 12.3 ms, 1.24 s, 2 min 5 s */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  dateStyle: "medium",
  timeStyle: "medium",
});

/** A time of day today, else date and time. */
export function time(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return "—";
  const date = new Date(epochMs);
  return date.toDateString() === new Date().toDateString()
    ? timeFormat.format(date)
    : dateTimeFormat.format(date);
}

/** Date and time, always. */
export function dateTime(epochMs: number | null | undefined): string {
  return epochMs === null || epochMs === undefined ? "—" : dateTimeFormat.format(new Date(epochMs));
}

/** "12 s ago", "3 min ago" */
export function ago(epochMs: number | null | undefined, now = Date.now()): string {
  if (epochMs === null || epochMs === undefined) return "never";
  const s = Math.max(0, Math.round((now - epochMs) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** First 8 characters of an id. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 8)}…` : id;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** The date alone. */
export function date(epochMs: number): string {
  return dateFormat.format(new Date(epochMs));
}
