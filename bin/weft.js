#!/usr/bin/env node
// The `weft` command. TypeScript app and config files load through tsx, so apps need no build
// step; from a source checkout the CLI itself runs from its TypeScript sources the same way.
import { existsSync } from "node:fs";
import { register } from "tsx/esm/api";

register();
const source = new URL("../src/cli/main.ts", import.meta.url);
const entry = existsSync(source) ? source : new URL("../dist/cli/main.js", import.meta.url);
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
