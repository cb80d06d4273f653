/**
 * Builds and loads Weft from a chosen source tree (a checkout of this repo with its root
 * `node_modules` installed), for the guards that compare two trees: `callgrind-calls.mjs` and
 * `remote-cpu.mjs`. The tree is named by `--tree <dir>` or `WEFT_TREE`, default this repo.
 *
 * The tree's own tsc compiles its `src/` (tsconfig.build.json, `--noCheck`: not a type check) into
 * `<tree>/node_modules/.cache/weft-guard-<purpose>/` (one folder per guard, so two can run at once), so the compiled files resolve their dependencies from
 * the tree's `node_modules`, and nothing lands where git or Biome look. Plain JS, as published:
 * not tsx, whose esbuild `keepNames` adds a call per closure made.
 *
 * Also the payload both guards call with: a hand-written Standard Schema (no zod), so the counted
 * work is Weft's own.
 */
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** This repo's root: the default tree. */
const here = fileURLToPath(new URL("..", import.meta.url));

/** The tree chosen by `--tree <dir>` in `argv`, else `WEFT_TREE`, else this repo, as an absolute path. */
export function chosenTree(argv = process.argv.slice(2)) {
  const at = argv.indexOf("--tree");
  const dir = at >= 0 ? argv[at + 1] : process.env.WEFT_TREE;
  const tree = resolve(dir ?? here);
  if (!existsSync(join(tree, "src", "index.ts")) || !existsSync(join(tree, "node_modules")))
    throw new Error(
      `${tree} is not a Weft checkout with node_modules (src/index.ts, node_modules/)`,
    );
  return tree;
}

/** Where {@link buildTree} puts the compiled tree for one purpose. */
export const builtDir = (tree, purpose) =>
  join(tree, "node_modules", ".cache", `weft-guard-${purpose}`);

/** Compiles the tree's `src/` with its own tsc; returns the folder of the compiled files. */
export function buildTree(tree, purpose) {
  const out = builtDir(tree, purpose);
  const tsc = createRequire(join(tree, "package.json")).resolve("typescript/bin/tsc");
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      tsc,
      "-p",
      join(tree, "tsconfig.build.json"),
      "--outDir",
      out,
      "--noCheck",
      "--declaration",
      "false",
      "--sourceMap",
      "false",
    ],
    { stdio: "inherit" },
  );
  // Under node_modules, Node looks no further up for `"type": "module"`: say it here.
  writeFileSync(join(out, "package.json"), '{ "type": "module" }\n');
  return out;
}

/** Imports the compiled main entry (`weft`) from a folder {@link buildTree} filled. */
export async function importWeft(out) {
  return import(pathToFileURL(join(out, "index.js")).href);
}

/** The git commit of a tree and whether its `src/` has uncommitted changes, or undefined. */
export function treeState(tree) {
  try {
    const git = (...args) =>
      execFileSync("git", ["-C", tree, ...args], { encoding: "utf8" }).trim();
    return {
      commit: git("rev-parse", "HEAD"),
      srcDirty: git("status", "--porcelain", "--", "src") !== "",
    };
  } catch {
    return undefined;
  }
}

/** A Standard Schema (v1) of an object with the given typeof per field; sync, no library. */
function objectSchema(fields) {
  const names = Object.keys(fields);
  return {
    "~standard": {
      version: 1,
      vendor: "weft-bench",
      validate(value) {
        if (typeof value !== "object" || value === null)
          return { issues: [{ message: "expected an object" }] };
        for (const name of names)
          if (typeof value[name] !== fields[name])
            return { issues: [{ message: `expected a ${fields[name]}`, path: [name] }] };
        return { value };
      },
    },
  };
}

/** The input every guard call sends. */
export const PAYLOAD = { a: "hello", b: 42 };

/**
 * The guards' app: one service `guard` with one method `echo` ({a: string, b: number} →
 * {n: number}), named `name`. Returns the definition and the contract to make a client from.
 */
export function guardApp(weft, name) {
  const { defineApp, defineService, method } = weft;
  const guard = defineService("guard", {
    echo: method({
      input: objectSchema({ a: "string", b: "number" }),
      output: objectSchema({ n: "number" }),
    }),
  });
  const impl = guard.implement({
    async echo(_ctx, input) {
      return { n: input.a.length + input.b };
    },
  });
  return { contract: guard, definition: defineApp({ name, services: [impl] }) };
}

/** The value after `name` in `argv`, or `fallback`. */
export function option(argv, name, fallback) {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
}

/** The median of some numbers. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
