/**
 * Turns an error that ended a command into an exit code and a message on stderr that says what
 * to do next. With `--json` the message is one JSON document on stderr (stdout stays empty).
 */
import { CommanderError } from "commander";
import { isWeftError, type WeftError } from "../core/index.js";
import type { Ui } from "./ui.js";

/** Exit codes of the `weft` command. */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The command failed at run time (store unreachable, a run refused the operation, …). */
  failure: 1,
  /** Bad usage or configuration: the message says what to fix. */
  usage: 2,
  /** What the command was asked about does not exist (a run, a step). */
  notFound: 3,
  /** Forced stop by a second signal (128 + SIGINT). */
  forced: 130,
} as const;

/** Advice for errors whose own message does not say what to do next, by reason. */
const NEXT_STEP: Readonly<Record<string, string>> = {
  RUN_NOT_FOUND: "list runs with: weft workflows list (check WEFT_DATA_DIR / WEFT_DATABASE_URL)",
  STEP_NOT_FOUND: "see the run's steps with: weft workflows show <id>",
  RUN_NOT_FAILED:
    "only failed runs resume; to run steps again use: weft workflows retry <id> --step <name>",
  RUN_ACTIVE: "cancel it first (weft workflows cancel <id>) or wait until it stops",
  STORE_UNAVAILABLE: "check that the database is up and WEFT_DATABASE_URL is right",
  DEAD_LETTER_NOT_FOUND: "list dead letters with: weft events dead-letters",
};

/** The exit code an error stands for. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (!isWeftError(error)) return EXIT.failure;
  if (error.code === "INVALID_ARGUMENT") return EXIT.usage;
  if (error.code === "NOT_FOUND") return EXIT.notFound;
  return EXIT.failure;
}

function describe(error: WeftError) {
  return {
    code: error.code,
    reason: error.reason,
    message: error.message,
    ...(Object.keys(error.metadata).length > 0 ? { metadata: error.metadata } : {}),
    ...(error.issues.length > 0 ? { issues: error.issues } : {}),
    ...(NEXT_STEP[error.reason] === undefined ? {} : { next: NEXT_STEP[error.reason] }),
  };
}

/** Prints `error` for people (or as JSON with `--json`) and returns the exit code. */
export function reportError(error: unknown, ui: Ui): number {
  const code = exitCodeOf(error);
  // Commander printed its own usage message already.
  if (error instanceof CommanderError) return code;
  if (isWeftError(error)) {
    if (ui.json) {
      ui.err(JSON.stringify({ error: describe(error) }));
      return code;
    }
    ui.err(ui.c.red(`weft: ${error.message}`));
    const next = NEXT_STEP[error.reason];
    if (next !== undefined) ui.err(ui.c.dim(`  next: ${next}`));
    return code;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (ui.json) ui.err(JSON.stringify({ error: { code: "INTERNAL", message: String(error) } }));
  else ui.err(ui.c.red(`weft: ${text}`));
  return code;
}
