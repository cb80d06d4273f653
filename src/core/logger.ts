/**
 * The logger seam: the subset of pino's interface Weft uses. Apps get a pino logger writing JSON
 * lines to stdout by default; pass any object of this shape to use another.
 */
import { pino } from "pino";

/** One logging method: a message, or an object of fields and a message. */
export interface LogFn {
  (msg: string): void;
  (obj: object, msg?: string): void;
}

/** A structured logger (pino's shape). */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /** A logger that adds these fields to every line. */
  child(bindings: Record<string, unknown>): Logger;
}

/** Log levels, most to least severe, plus `silent`. */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
/** A log level. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Minimum level written. Default `info`. */
  level?: LogLevel;
  /** Added to every line as `app`. */
  app?: string;
  /**
   * More paths to redact (pino `redact` syntax: `payment.card`, `*.password`,
   * `headers["x-tenant-key"]`), added to {@link REDACTED_PATHS}. Default none.
   */
  redact?: readonly string[];
  /** Where lines go. Default stdout. */
  destination?: { write(line: string): void };
}

/**
 * What the default logger always redacts: secret headers (`authorization`, `proxy-authorization`,
 * `cookie`, `set-cookie`, `x-api-key`) at the top level, in a `headers` object, and one level
 * deeper (`req.headers.authorization`), and `password` fields at the top level or one level deep.
 */
export const REDACTED_PATHS: readonly string[] = [
  "authorization",
  '["proxy-authorization"]',
  "cookie",
  '["set-cookie"]',
  '["x-api-key"]',
  "headers.authorization",
  'headers["proxy-authorization"]',
  "headers.cookie",
  'headers["set-cookie"]',
  'headers["x-api-key"]',
  "*.authorization",
  "*.cookie",
  '*["x-api-key"]',
  "*.headers.authorization",
  '*.headers["proxy-authorization"]',
  "*.headers.cookie",
  '*.headers["set-cookie"]',
  '*.headers["x-api-key"]',
  "password",
  "*.password",
];

/**
 * Creates the default logger: pino JSON lines on stdout, with secret headers and passwords
 * ({@link REDACTED_PATHS}) and the paths given in `redact` replaced by `[redacted]`.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const settings = {
    level: options.level ?? "info",
    base: options.app === undefined ? {} : { app: options.app },
    redact: { paths: [...REDACTED_PATHS, ...(options.redact ?? [])], censor: "[redacted]" },
  };
  return (
    options.destination === undefined ? pino(settings) : pino(settings, options.destination)
  ) satisfies Logger;
}
