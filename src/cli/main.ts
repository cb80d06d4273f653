/**
 * The `weft` command line. Exit codes: 0 success, 1 failure at run time, 2 bad usage or
 * configuration (the message says what to fix), 3 not found (a run, a step), 130 forced stop by a
 * second signal. Every command takes `--json` for scripts (docs/cli.md).
 */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import pc from "picocolors";
import { WEFT_CONFIG_SLICES } from "../config-slices.js";
import { describeVariables, givenValues, resolveConfig } from "../core/index.js";
import { createApp } from "../create-app.js";
import { adminUrl } from "../observe/admin/extension.js";
import { formatBanner } from "./banner.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerDev } from "./commands/dev.js";
import { registerEvents } from "./commands/events.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerNew } from "./commands/new.js";
import { registerOpenApi } from "./commands/openapi.js";
import { registerPlacement } from "./commands/placement.js";
import { registerWorkflows } from "./commands/workflows.js";
import { readyMessage } from "./dev-child.js";
import { findEntry, loadApp } from "./load-app.js";
import { EXIT, reportError } from "./report-error.js";
import { serveUntilSignal } from "./serve.js";
import { createUi } from "./ui.js";

export { EXIT } from "./report-error.js";

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** Flags of `weft start`. */
interface StartFlags {
  group?: string;
  json?: boolean;
  admin?: boolean;
}

function program(out: (s: string) => void): Command {
  const cli = new Command("weft")
    .description("Run Weft apps: one process or many, chosen by configuration.")
    .version(version)
    .showHelpAfterError("(run weft --help for usage)");

  cli
    .command("start")
    .description("start an app (all groups in one process unless --group is given)")
    .argument("[entry]", "module that default-exports defineApp({...}); default: weft.config.ts")
    .option(
      "-g, --group <groups>",
      "comma-separated groups to run in this process (env WEFT_GROUP)",
    )
    .option("--json", "print the startup description as JSON instead of a banner")
    .option("--no-admin", "run no admin server (health probes, metrics, traces, management)")
    .action(async (entry: string | undefined, opts: StartFlags) => {
      const definition = await loadApp(findEntry(entry, process.cwd()));
      const app = createApp(definition, {
        admin: opts.admin !== false,
        ...(opts.group === undefined ? {} : { group: opts.group.split(",") }),
      });
      const report = await serveUntilSignal(app, {
        onReady: (running) => {
          const ready = readyMessage(running, definition);
          const description = {
            ...running.describe(),
            admin: adminUrl(running) ?? null,
            http: ready.http?.url ?? null,
            store: ready.data,
          };
          out(opts.json ? JSON.stringify(description) : formatBanner(description));
          if (!opts.json) out(pc.dim("Press Ctrl+C to stop."));
        },
      });
      process.exitCode = report.drained ? EXIT.ok : EXIT.failure;
    });

  cli
    .command("config")
    .description("check the configuration from WEFT_* variables and print what an app would use")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const sources = { env: process.env, slices: WEFT_CONFIG_SLICES };
      const { get: _get, ...core } = resolveConfig(sources);
      const secret = new Set(
        describeVariables()
          .filter((v) => v.secret)
          .map((v) => v.key),
      );
      const flat: [string, unknown][] = Object.entries(core).map(([k, v]) =>
        k === "groups" && Array.isArray(v) && v.length === 0
          ? [k, "(all)"]
          : [k, secret.has(k) && v !== undefined ? "(set, hidden)" : v],
      );
      // Each subsystem's settings by their config keys; unset ones show the slice's default.
      for (const v of givenValues(sources)) {
        const shown = v.value === undefined ? v.shownDefault : v.secret ? "(set, hidden)" : v.value;
        flat.push([v.key, shown]);
      }
      const shown = Object.fromEntries(flat);
      const ui = createUi({ json: opts.json, out });
      ui.result(shown, () => {
        for (const [k, v] of Object.entries(shown))
          ui.out(`${k.padEnd(18)} ${v === undefined ? ui.c.dim("(unset)") : String(v)}`);
        ui.out(
          ui.c.dim(
            `\nvariables: ${describeVariables(WEFT_CONFIG_SLICES)
              .map((v) => v.name)
              .join(", ")} (each also as *_FILE)`,
          ),
        );
      });
    });
  registerDev(cli, out);
  registerWorkflows(cli, out);
  registerEvents(cli, out);
  registerOpenApi(cli, out);
  registerMigrate(cli, out);
  registerPlacement(cli, out);
  registerDeploy(cli, out);
  registerNew(cli, out);
  return cli;
}

/** Runs the CLI with `argv` (as in `process.argv`) and returns the exit code. */
export async function main(
  argv: readonly string[],
  out: (s: string) => void = console.log,
): Promise<number> {
  const cli = program(out).exitOverride();
  try {
    await cli.parseAsync([...argv]);
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    return reportError(error, createUi({ json: argv.includes("--json"), out }));
  }
}
