/** `weft new <dir> [--name app] [--weft spec] [--link-deps]`: creates an app to start from. */
import { relative } from "node:path";
import type { Command } from "commander";
import { scaffold } from "../new/scaffold.js";
import { createUi } from "../ui.js";

/** Registers `weft new` on the program. */
export function registerNew(cli: Command, out: (line: string) => void): void {
  cli
    .command("new")
    .description("create an app: two services, a workflow, an HTTP gateway, tests")
    .argument("<dir>", "folder to create (must not exist or be empty)")
    .option("--name <name>", "app name (default: the folder's name)")
    .option(
      "--weft <spec>",
      "npm spec of the weft dependency (default: this weft, as file:<folder> from a checkout)",
    )
    .option(
      "--link-deps",
      "link every dependency from this weft's node_modules (install offline, no registry)",
    )
    .option("--json", "print JSON")
    .action(
      (dir: string, opts: { name?: string; weft?: string; linkDeps?: boolean; json?: boolean }) => {
        const ui = createUi({ json: opts.json, out });
        const result = scaffold({
          dir,
          ...(opts.name === undefined ? {} : { name: opts.name }),
          ...(opts.weft === undefined ? {} : { weft: opts.weft }),
          linkDeps: opts.linkDeps === true,
        });
        ui.result(result, () => {
          const { c } = ui;
          const where = relative(process.cwd(), result.dir) || ".";
          ui.out(`Created ${c.bold(result.name)} in ${where} (${result.files.length} files).`);
          ui.out(c.dim(`weft dependency: ${result.weft}`));
          for (const warning of result.warnings) ui.err(c.yellow(`note: ${warning}`));
          ui.out();
          ui.out("Next:");
          ui.out(`  cd ${where}`);
          ui.out(
            // Linked dependencies come built: their install scripts would try to fetch or build.
            `  npm install${opts.linkDeps ? " --offline --ignore-scripts" : ""}   ${c.dim("# offline installs: see docs/cli.md of weft")}`,
          );
          ui.out("  npm test");
          ui.out(
            `  npm run dev        ${c.dim("# weft dev: restarts on changes; the banner shows the dashboard's URL")}`,
          );
          ui.out(
            `  ${c.dim("# in another terminal: curl -X POST localhost:3000/greet -d '{\"name\":\"Ada\"}' -H 'content-type: application/json'")}`,
          );
        });
      },
    );
}
