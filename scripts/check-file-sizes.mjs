#!/usr/bin/env node
/**
 * Lint step: no production file in src/ over 400 lines. Lists the 10 largest production `.ts`
 * files (lines counted as newline-separated lines, blank and comment lines included) and fails
 * when any is over the limit.
 *
 * Production means every `.ts` file under src/ except test-only ones (source-rules.mjs): tests
 * (`*.test.ts`, `*.test-d.ts`), files inside a `fixtures/` or `conformance/` folder, and the
 * `conformance.ts` entries of the suites. `src/testing/` (published as `weft/testing`) counts.
 *
 * Usage: node scripts/check-file-sizes.mjs [dir=src] [--max 400] [--top 10]
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { isTestOnly } from "./source-rules.mjs";

function option(argv, name, fallback) {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : fallback;
}

const argv = process.argv.slice(2);
const positional = argv.filter(
  (a, i) => !a.startsWith("--") && !argv[i - 1]?.match(/^--(max|top)$/),
);
const dir = resolve(positional[0] ?? "src");
const max = Number(option(argv, "--max", "400"));
const top = Number(option(argv, "--top", "10"));

const sizes = readdirSync(dir, { recursive: true })
  .map((p) => String(p).replaceAll("\\", "/"))
  .filter((p) => p.endsWith(".ts") && !isTestOnly(p))
  .map((p) => {
    const text = readFileSync(join(dir, p), "utf8");
    const lines = text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    return { path: p, lines };
  })
  .sort((a, b) => b.lines - a.lines || a.path.localeCompare(b.path));

const shown = relative(process.cwd(), dir) || ".";
console.log(`check-file-sizes: ${sizes.length} production files in ${shown}; the ${top} largest:`);
for (const { path, lines } of sizes.slice(0, top))
  console.log(`${String(lines).padStart(6)}  ${path}${lines > max ? `  (over ${max})` : ""}`);
const over = sizes.filter((s) => s.lines > max);
if (over.length > 0) {
  console.error(
    `check-file-sizes: ${over.length} production file(s) over ${max} lines: ${over.map((s) => s.path).join(", ")}`,
  );
  process.exit(1);
}
console.log(`check-file-sizes: none over ${max} lines`);
