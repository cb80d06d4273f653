/**
 * `weft dev [entry] [--port n] [--admin-port n] [--json]`: runs the whole app in one process on
 * SQLite with the dashboard, and restarts it when a source file changes (docs/cli.md). The app
 * runs in a child process (the hidden `weft dev-child`), so a restart loads the changed code
 * afresh and an app that fails to start leaves `weft dev` waiting for the fix.
 */
import type { Command } from "commander";
import { invalidArgument } from "../../core/index.js";
import { devView } from "../dev-banner.js";
import { runDevChild } from "../dev-child.js";
import { DEV_CHILD_COMMAND, type DevSupervisor, startDevSupervisor } from "../dev-supervisor.js";
import { findEntry } from "../load-app.js";
import { EXIT } from "../report-error.js";
import { createUi, type Ui } from "../ui.js";

/** Flags of `weft dev`. */
interface DevFlags {
  port?: string;
  adminPort?: string;
  json?: boolean;
}

function parsePort(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) {
    throw invalidArgument(
      "INVALID_PORT",
      `${flag} must be a port number from 0 to 65535 (0: any free port), not ${JSON.stringify(value)}`,
      { metadata: { flag, value } },
    );
  }
  return port;
}

/**
 * Resolves with the exit code once a SIGINT or SIGTERM stopped the app: 0, or 130 when a second
 * signal killed it instead of waiting.
 */
function untilSignal(supervisor: DevSupervisor, ui: Ui): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false;
    let forced = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        forced = true;
        ui.err(ui.c.yellow(`${signal} again: killing the app without waiting`));
        supervisor.kill();
        return;
      }
      stopping = true;
      supervisor.stop().then(() => {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
        resolve(forced ? EXIT.forced : EXIT.ok);
      });
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}

/** Registers `weft dev` (and the hidden command that runs its app) on the program. */
export function registerDev(cli: Command, out: (line: string) => void): void {
  cli
    .command("dev")
    .description(
      "develop: the whole app in one process on SQLite, with the dashboard, restarted on file changes",
    )
    .argument("[entry]", "module that default-exports defineApp({...}); default: weft.config.ts")
    .option(
      "-p, --port <port>",
      "gateway port, kept across restarts (default: WEFT_HTTP_PORT, 3000)",
    )
    .option(
      "--admin-port <port>",
      "admin server and dashboard port, kept across restarts (default: WEFT_ADMIN_PORT, 9464)",
    )
    .option("--json", "print one JSON object per line: each start, restart, exit and the stop")
    .action(async (entry: string | undefined, opts: DevFlags) => {
      const ui = createUi({ json: opts.json, out });
      const root = process.cwd();
      const path = findEntry(entry, root);
      const ports = {
        http: parsePort(opts.port, "--port"),
        admin: parsePort(opts.adminPort, "--admin-port"),
      };
      const supervisor = startDevSupervisor({
        entry: path,
        root,
        env: process.env,
        ports,
        onEvent: devView(ui, { root, entry: path }),
        // With --json, stdout holds only the events: the app's logs go to stderr.
        stdout: ui.json ? 2 : "inherit",
      });
      process.exitCode = await untilSignal(supervisor, ui);
    });

  cli
    .command(DEV_CHILD_COMMAND, { hidden: true })
    .description("run an app for weft dev (started by weft dev, not by hand)")
    .argument("<entry>", "module that default-exports defineApp({...})")
    .action(async (entry: string) => {
      process.exitCode = await runDevChild(entry);
    });
}
