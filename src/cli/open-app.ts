/**
 * Opening an app for tools rather than for serving: the same definition and configuration as
 * `weft start` (so the same store: SQLite under WEFT_DATA_DIR, or PostgreSQL with
 * WEFT_DATABASE_URL), but serving nothing and calling no other process.
 */
import { pino } from "pino";
import {
  type App,
  type AppDefinition,
  type Logger,
  type LogLevel,
  type Transport,
  unavailable,
} from "../core/index.js";
import { createApp } from "../create-app.js";
import { findEntry, loadApp } from "./load-app.js";

/**
 * A transport for processes that never call another process: every call is refused. Tools use it
 * so that opening an app needs no NATS connection.
 */
export const NO_REMOTE_CALLS: Transport = {
  name: "none",
  async serve() {},
  call: (ctx) =>
    Promise.reject(
      unavailable(
        "NO_TRANSPORT",
        `${ctx.service}.${ctx.method} runs in another process, and this tool makes no calls`,
      ),
    ),
  async stopIntake() {},
  async close() {},
};

/**
 * The logger of a tool: JSON lines on stderr (stdout is for the command's output), at
 * WEFT_LOG_LEVEL when set, else `warn`.
 */
export function toolLogger(env: Readonly<Record<string, string | undefined>>): Logger {
  const level = (env.WEFT_LOG_LEVEL ?? "warn") as LogLevel;
  return pino({ level }, pino.destination(2));
}

/** Loads the app definition from an entry file (default: weft.config.ts, src/app.ts, app.ts). */
export function loadDefinition(entry: string | undefined): Promise<AppDefinition> {
  return loadApp(findEntry(entry, process.cwd()));
}

/**
 * Starts `definition` as a client-only app for managing its workflows: the store and the workflow
 * client, no services, no hooks (they may seed or listen), no remote transport.
 */
export async function openClientOnly(definition: AppDefinition): Promise<App> {
  const app = createApp(
    { ...definition, hooks: {} },
    { clientOnly: true, transport: NO_REMOTE_CALLS, logger: toolLogger(process.env) },
  );
  await app.start();
  return app;
}
