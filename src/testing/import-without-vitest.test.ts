/**
 * `weft/testing` must load in a project that has Weft and its runtime dependencies but no vitest
 * or fast-check (they are optional peers, used only by `weft/testing/vitest`). The test builds the
 * package with the repo's build config, lays out such a project in a temp folder and imports the
 * entries from a plain Node process.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";

const run = promisify(execFile);
const repo = fileURLToPath(new URL("../../", import.meta.url));

let project = "";

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), "weft-no-vitest-"));
  const weft = join(project, "node_modules", "weft");
  await mkdir(weft, { recursive: true });
  const tsc = createRequire(join(repo, "package.json")).resolve("typescript/bin/tsc");
  // The published build, without a second type check (the repo's own type check does that).
  await run(process.execPath, [
    tsc,
    "-p",
    join(repo, "tsconfig.build.json"),
    "--outDir",
    join(weft, "dist"),
    "--noCheck",
    "--declaration",
    "false",
    "--sourceMap",
    "false",
  ]);
  await copyFile(join(repo, "package.json"), join(weft, "package.json"));
  // Weft's runtime dependencies only (linked; theirs resolve where npm installed them).
  const manifest = JSON.parse(await readFile(join(repo, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  for (const name of Object.keys(manifest.dependencies)) {
    const link = join(project, "node_modules", name);
    await mkdir(dirname(link), { recursive: true });
    await symlink(join(repo, "node_modules", name), link, "dir");
  }
}, 180_000);

afterAll(async () => {
  if (project !== "") await rm(project, { recursive: true, force: true });
});

/** Runs an ES module snippet with Node in the temp project; returns its stdout. */
async function node(code: string): Promise<string> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
    cwd: project,
  });
  return stdout.trim();
}

it("imports weft/testing (and weft, weft/spi) where vitest and fast-check are not installed", async () => {
  // The project really lacks them, so the imports below prove something.
  const missing = await node(`
    const out = [];
    for (const name of ["vitest", "fast-check"]) {
      try { await import(name); out.push(name + ": found"); }
      catch (e) { out.push(name + ": " + e.code); }
    }
    console.log(out.join(", "));
  `);
  expect(missing).toBe("vitest: ERR_MODULE_NOT_FOUND, fast-check: ERR_MODULE_NOT_FOUND");
  const loaded = await node(`
    const testing = await import("weft/testing");
    const root = await import("weft");
    const spi = await import("weft/spi");
    console.log([typeof testing.startLocal, typeof testing.uniqueName, typeof root.createApp, typeof spi.callHeaders].join(","));
  `);
  expect(loaded).toBe("function,function,function,function");
  // The vitest helpers live behind their own subpath, which does need vitest.
  const vitestEntry = await node(`
    try { await import("weft/testing/vitest"); console.log("loaded"); }
    catch (e) { console.log(e.code); }
  `);
  expect(vitestEntry).toBe("ERR_MODULE_NOT_FOUND");
}, 60_000);
