/**
 * `weft openapi`: writes the OpenAPI 3.1 document of an app's HTTP gateway — the same document the
 * gateway serves at `/openapi.json` — to stdout or a file, without starting anything.
 */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { invalidArgument } from "../../core/index.js";
import { isGateway, openApiDocument } from "../../gateway/index.js";
import { loadDefinition } from "../open-app.js";
import { createUi } from "../ui.js";

/** Registers `weft openapi` on the program. */
export function registerOpenApi(cli: Command, out: (line: string) => void): void {
  cli
    .command("openapi")
    .description("print (or write) the OpenAPI 3.1 document of the app's HTTP gateway")
    .option(
      "--app <entry>",
      "module that default-exports defineApp({...}); default: weft.config.ts",
    )
    .option("--gateway <name>", "which gateway, when the app has several")
    .option("-o, --out <file>", "write the document to this file instead of stdout")
    .action(async (opts: { app?: string; gateway?: string; out?: string }) => {
      const ui = createUi({ out });
      const definition = await loadDefinition(opts.app);
      const gateways = definition.services.filter(isGateway);
      if (gateways.length === 0) {
        throw invalidArgument(
          "NO_GATEWAY",
          `app ${definition.name} has no HTTP gateway: add defineGateway(...) from weft/gateway to its services`,
        );
      }
      const chosen =
        opts.gateway === undefined
          ? gateways.length === 1
            ? gateways[0]
            : undefined
          : gateways.find((g) => g.contract.name === opts.gateway);
      if (chosen === undefined) {
        throw invalidArgument(
          "WHICH_GATEWAY",
          opts.gateway === undefined
            ? `app ${definition.name} has several gateways (${gateways.map((g) => g.contract.name).join(", ")}): pick one with --gateway`
            : `app ${definition.name} has no gateway named ${opts.gateway} (it has ${gateways.map((g) => g.contract.name).join(", ")})`,
        );
      }
      const info = chosen.gateway.options.openapi ? chosen.gateway.options.openapi.info : undefined;
      const text = `${JSON.stringify(openApiDocument(chosen, info), null, 2)}\n`;
      if (opts.out === undefined) {
        process.stdout.write(text);
        return;
      }
      await writeFile(opts.out, text);
      ui.err(`wrote the OpenAPI document of ${chosen.contract.name} to ${opts.out}`);
    });
}
