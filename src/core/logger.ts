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
}

/**
 * Creates the default logger: pino JSON lines on stdout, with authorization headers and cookies
 * redacted wherever they appear one level deep.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: options.level ?? "info",
    base: options.app === undefined ? {} : { app: options.app },
    redact: {
      paths: [
        "authorization",
        "headers.authorization",
        "headers.cookie",
        "*.authorization",
        "*.headers.authorization",
        "*.headers.cookie",
      ],
      censor: "[redacted]",
    },
  }) satisfies Logger;
}
