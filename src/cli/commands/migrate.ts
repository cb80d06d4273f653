/**
 * `weft migrate [entry] [--group g]`: applies the pending migrations of an app's store — the
 * workflow journal's and other extensions', then the services' own tables through the app's
 * `beforeStart` hook — without serving, and reports what it applied. Safe to run while the app
 * runs and from several processes at once: each migration is applied once, under a lock.
 */
import type { Command } from "commander";
import { migrateApp } from "../migrate-app.js";
import { loadDefinition, toolLogger } from "../open-app.js";
import { createUi } from "../ui.js";

/** Registers `weft migrate` on the program. */
export function registerMigrate(cli: Command, out: (line: string) => void): void {
  cli
    .command("migrate")
    .description("apply the app's pending store migrations without starting it")
    .argument("[entry]", "module that default-exports defineApp({...}); default: weft.config.ts")
    .option(
      "-g, --group <groups>",
      "migrate the tables of these groups' services (comma-separated; env WEFT_GROUP; default all)",
    )
    .option("--json", "print JSON")
    .action(async (entry: string | undefined, opts: { group?: string; json?: boolean }) => {
      const ui = createUi({ json: opts.json, out });
      const definition = await loadDefinition(entry);
      const spin = ui.spinner(`migrating the store of ${definition.name}`);
      const result = await migrateApp(definition, {
        ...(opts.group === undefined ? {} : { group: opts.group.split(",") }),
        logger: toolLogger(process.env),
      }).finally(() => spin.stop());
      if (result === undefined) {
        ui.result({ app: definition.name, store: null, applied: [], scopes: [] }, () =>
          ui.out(
            `${definition.name} has no store (no workflows, topics or store: true): nothing to migrate.`,
          ),
        );
        return;
      }
      ui.result(result, () => {
        const { c } = ui;
        ui.out(
          `${c.bold(result.app)}: ${result.store} ${c.dim(`(groups: ${result.groups.join(", ")})`)}`,
        );
        if (result.applied.length === 0) ui.out("Nothing to apply: every scope is up to date.");
        else {
          ui.out(`Applied ${result.applied.length} migration(s):`);
          ui.out(
            ui
              .table(
                ["SCOPE", "VERSION", "NAME"],
                result.applied.map((m) => [m.scope, String(m.version), m.name]),
              )
              .replace(/^/gm, "  "),
          );
        }
        ui.out("Store now at:");
        ui.out(
          ui
            .table(
              ["SCOPE", "VERSION"],
              result.scopes.map((s) => [s.scope, String(s.version)]),
            )
            .replace(/^/gm, "  "),
        );
      });
    });
}
