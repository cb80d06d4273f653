#!/usr/bin/env node
// The `weft` command. TypeScript app and config files load through tsx, so apps need no build
// step. From a source checkout the CLI runs from its TypeScript sources the same way — when it
// runs inside the checkout, whose tsconfig maps `weft` to those sources. An app elsewhere that
// depends on the checkout (`weft new --link-deps`) imports its build, and the command must run
// that same copy: extension keys (gateway, workflow engine) are compared by identity.
import { existsSync, realpathSync } from "node:fs";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register();
const root = new URL("../", import.meta.url);
const source = new URL("src/cli/main.ts", root);
const built = new URL("dist/cli/main.js", root);
const inside = (dir, folder) =>
  dir === folder || dir.startsWith(folder.endsWith(sep) ? folder : folder + sep);
const here = realpathSync(fileURLToPath(root));
const fromSource =
  existsSync(source) && (!existsSync(built) || inside(realpathSync(process.cwd()), here));
const { main } = await import((fromSource ? source : built).href);
process.exitCode = await main(process.argv);
