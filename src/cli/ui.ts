/**
 * How the `weft` command talks to people and scripts: colour only on a terminal (and never with
 * `NO_COLOR`; always with `FORCE_COLOR`), aligned tables, a spinner for long work (only when both
 * stdout and stderr are terminals), and `--json`: exactly one JSON document on stdout and nothing
 * else there (progress and logs go to stderr).
 *
 * @example
 * ```ts
 * const ui = createUi({ json: opts.json });
 * const spin = ui.spinner("applying migrations");
 * const report = await migrate();
 * spin.stop();
 * ui.result(report, () => ui.out(ui.table(["scope", "version"], rows)));
 * ```
 */
import pc from "picocolors";

/** The colour functions of picocolors (no-ops when colour is off). */
export type Colors = ReturnType<typeof pc.createColors>;

/** Options of {@link createUi}. */
export interface UiOptions {
  /** Print one JSON document instead of text. Default false. */
  readonly json?: boolean;
  /** Writes a line to stdout. Default `console.log`. */
  readonly out?: (line: string) => void;
  /** Writes a line to stderr. Default `process.stderr`. */
  readonly err?: (line: string) => void;
  /** Environment read for NO_COLOR / FORCE_COLOR / TERM. Default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Whether stdout and stderr are terminals. Default: asked of the process. */
  readonly tty?: { readonly stdout: boolean; readonly stderr: boolean };
}

/** A running spinner; `stop` clears its line. */
export interface Spinner {
  /** Changes the text shown. */
  update(text: string): void;
  /** Clears the spinner's line. */
  stop(): void;
}

/** The output side of one command run. */
export interface Ui {
  /** True when `--json` was given. */
  readonly json: boolean;
  /** Colours, or no-ops when colour is off. */
  readonly c: Colors;
  /** A line on stdout (never used for progress). */
  out(line?: string): void;
  /** A line on stderr. */
  err(line?: string): void;
  /** With `--json` prints `value` as the one JSON document; otherwise calls `human`. */
  result(value: unknown, human: () => void): void;
  /** Aligned columns under a header, as one string. */
  table(header: readonly string[], rows: readonly (readonly string[])[]): string;
  /** A spinner on stderr while `text` goes on; does nothing unless both outputs are terminals. */
  spinner(text: string): Spinner;
}

/**
 * Whether to colour: never with `NO_COLOR` (any non-empty value), always with `FORCE_COLOR`
 * (except `0`/`false`), else only on a terminal that is not `TERM=dumb`.
 */
export function shouldColor(env: Readonly<Record<string, string | undefined>>, tty: boolean) {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== "0" && force !== "false";
  return tty && env.TERM !== "dumb";
}

// Colour escapes take no room on screen.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** How many columns `text` takes on screen (colour escapes excluded). */
export function visibleLength(text: string): number {
  return text.replace(ANSI, "").length;
}

/** Formats rows as aligned columns (the last column is not padded). */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  c: Colors = pc.createColors(false),
): string {
  const widths = header.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ""))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) =>
        i === cells.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - visibleLength(cell)),
      )
      .join("  ")
      .trimEnd();
  return [c.bold(line(header)), ...rows.map(line)].join("\n");
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

function startSpinner(text: string, c: Colors): Spinner {
  let current = text;
  let frame = 0;
  const draw = () => {
    process.stderr.write(`\r\u001b[K${c.cyan(FRAMES[frame % FRAMES.length] ?? "")} ${current}`);
    frame += 1;
  };
  draw();
  const timer = setInterval(draw, 80);
  timer.unref();
  return {
    update(next) {
      current = next;
    },
    stop() {
      clearInterval(timer);
      process.stderr.write("\r\u001b[K");
    },
  };
}

/** Creates the output side of one command run. */
export function createUi(options: UiOptions = {}): Ui {
  const env = options.env ?? process.env;
  const tty = options.tty ?? {
    stdout: process.stdout.isTTY === true,
    stderr: process.stderr.isTTY === true,
  };
  const json = options.json === true;
  const c = pc.createColors(shouldColor(env, tty.stdout));
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const interactive = !json && tty.stdout && tty.stderr && env.TERM !== "dumb";
  return {
    json,
    c,
    out: (line = "") => out(line),
    err: (line = "") => err(line),
    result(value, human) {
      if (json) out(JSON.stringify(value, null, 2));
      else human();
    },
    table: (header, rows) => formatTable(header, rows, c),
    spinner: (text) => (interactive ? startSpinner(text, c) : { update() {}, stop() {} }),
  };
}

/** An epoch-millisecond time as `YYYY-MM-DD HH:MM:SSZ` (UTC). */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return "-";
  return `${new Date(ms).toISOString().slice(0, 19).replace("T", " ")}Z`;
}

/** A duration in milliseconds for people: `850 ms`, `2.4 s`, `3 m 12 s`, `5 h 2 m`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} m ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} m`;
}
