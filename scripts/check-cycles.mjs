#!/usr/bin/env node
/**
 * Lint step: no import cycle among the TypeScript modules of src/, checked with madge, and no
 * production module importing a test-only one (see source-rules.mjs; `src/testing/`, published as
 * `weft/testing`, may: it ships the conformance suites).
 *
 * Modules import each other with ESM `.js` specifiers that name `.ts` files; madge resolves them
 * through the tsconfig (TypeScript's NodeNext resolution). A resolution failure would silently
 * find no cycle, so the script prints how many files and import edges it resolved and fails when
 * that is implausibly small (fewer than `--min-files` files, default 100, or fewer edges than
 * files) or when any relative import did not resolve.
 *
 * Imports of types only (`import type`, erased at run time) are left out by default: a cycle
 * through them cannot break module loading. `--type-imports` counts them too.
 *
 * Usage: node scripts/check-cycles.mjs [dir=src] [--tsconfig tsconfig.json] [--min-files 100] [--type-imports]
 * Exits 0 when clean, 1 when a check fails (each cycle listed as `a.ts > b.ts > a.ts`).
 */
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import madge from "madge";
import { isTestOnly } from "./source-rules.mjs";

function option(argv, name, fallback) {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
}

const argv = process.argv.slice(2);
const positional = argv.filter(
  (a, i) => !a.startsWith("--") && !argv[i - 1]?.match(/^--(tsconfig|min-files)$/),
);
const dir = resolve(positional[0] ?? "src");
const tsConfig = resolve(option(argv, "--tsconfig", "tsconfig.json"));
const minFiles = Number(option(argv, "--min-files", "100"));
const typeImports = argv.includes("--type-imports");
const shown = relative(process.cwd(), dir) || ".";

if (!existsSync(dir) || !existsSync(tsConfig)) {
  console.error(`check-cycles: ${existsSync(dir) ? tsConfig : dir} does not exist`);
  process.exit(1);
}

const result = await madge(dir, {
  baseDir: dir,
  fileExtensions: ["ts"],
  tsConfig,
  detectiveOptions: {
    ts: { skipTypeImports: !typeImports },
    es6: { skipTypeImports: !typeImports },
  },
});
const graph = result.obj();
const files = Object.keys(graph).length;
const edges = Object.values(graph).reduce((n, deps) => n + deps.length, 0);
const problems = [];

console.log(
  `check-cycles: ${shown}: ${files} files, ${edges} import edges resolved` +
    (typeImports ? " (type-only imports included)" : " (type-only imports left out)"),
);
if (files < minFiles || edges < files)
  problems.push(
    `resolved too little (${files} files, ${edges} edges; expected at least ${minFiles} files and as many edges): is the TypeScript resolution broken?`,
  );
const unresolved = result.warnings().skipped.filter((s) => s.startsWith("."));
for (const s of unresolved) problems.push(`an import did not resolve: ${s}`);

const cycles = result.circular();
for (const cycle of cycles) problems.push(`import cycle: ${[...cycle, cycle[0]].join(" > ")}`);

for (const [file, deps] of Object.entries(graph)) {
  if (isTestOnly(file) || file.startsWith("testing/")) continue;
  for (const dep of deps)
    if (isTestOnly(dep)) problems.push(`production module ${file} imports test-only ${dep}`);
}

if (problems.length === 0) {
  console.log("check-cycles: no cycle; no production module imports a test-only one");
} else {
  for (const p of problems) console.error(`check-cycles: ${p}`);
  console.error(`check-cycles: ${problems.length} problem(s), ${cycles.length} cycle(s)`);
  process.exit(1);
}
