/**
 * Compiles Weft's source with the repo's own build config (`tsconfig.build.json`, tsc) into
 * `bench/node_modules/.cache/weft-dist/` (out of git's and Biome's way, wiped by `npm ci`), so a
 * benchmark can load Weft as the published package runs: plain JS from tsc. Loading `src/` through tsx measures something slower: tsx compiles with esbuild's
 * `keepNames`, which wraps every named closure in a `__name(fn, "…")` call, paid again on each
 * call that creates one. Type errors do not stop the build (`--noCheck`): this is not a type check.
 *
 * Needs the repo root's dev dependencies (`typescript`, and `pino` at run time) installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The module `weft` exports (its main entry). */
export type Weft = typeof import("../src/index.js");

const root = new URL("../", import.meta.url);
const outDir = new URL("./node_modules/.cache/weft-dist/", import.meta.url);

let built: Promise<Weft> | undefined;

/** Builds Weft with tsc (once per process) and imports the result. */
export function importCompiledWeft(): Promise<Weft> {
  built ??= build();
  return built;
}

/**
 * Builds Weft (once per process, as {@link importCompiledWeft}) and imports one compiled module of
 * it by its path under `src/`, e.g. `"workflow/index.js"` for `weft/workflow`: the same build, so
 * it shares module instances with the main entry.
 */
export async function importCompiledModule<T>(path: string): Promise<T> {
  await importCompiledWeft();
  return (await import(pathToFileURL(fileURLToPath(new URL(path, outDir))).href)) as T;
}

/** The compiled entry, as a file URL: what {@link importBuiltWeft} loads. */
const entryUrl = () => pathToFileURL(fileURLToPath(new URL("index.js", outDir))).href;

/**
 * Imports the build that {@link importCompiledWeft} made, without building again: for a child
 * process of a benchmark whose parent has built it (rebuilding would delete the files under the
 * parent, which still loads modules lazily, such as the NATS transport).
 */
export async function importBuiltWeft(): Promise<Weft> {
  if (!existsSync(new URL("index.js", outDir)))
    throw new Error("Weft is not built: call importCompiledWeft() first (in the parent process)");
  return (await import(entryUrl())) as Weft;
}

/**
 * Compiles `src/` with the repo's tsc (as published, without type-checking again) into `dir`, an
 * ES module folder. Benchmarks whose servers must not lose their files to another benchmark's
 * rebuild pass a folder of their own.
 */
export function buildWeftInto(dir: URL): void {
  const tsc = createRequire(new URL("package.json", root)).resolve("typescript/bin/tsc");
  rmSync(dir, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      tsc,
      "-p",
      fileURLToPath(new URL("tsconfig.build.json", root)),
      "--outDir",
      fileURLToPath(dir),
      "--noCheck",
      "--declaration",
      "false",
      "--sourceMap",
      "false",
    ],
    { stdio: "inherit" },
  );
  // Under node_modules, Node looks no further up for `"type": "module"`: say it here.
  writeFileSync(new URL("package.json", dir), '{ "type": "module" }\n');
}

async function build(): Promise<Weft> {
  buildWeftInto(outDir);
  return (await import(entryUrl())) as Weft;
}
