/**
 * scripts/check-file-sizes.mjs on a tiny src/ in a temp folder: a production file over the limit
 * fails the check; tests, fixtures and conformance suites of any size do not count.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../scripts/check-file-sizes.mjs", import.meta.url));
const made: string[] = [];

/** Writes files of the given line counts under a temp src/ and returns that folder. */
function sources(lines: Record<string, number>): string {
  const src = join(mkdtempSync(join(tmpdir(), "weft-sizes-")), "src");
  made.push(dirname(src));
  for (const [path, n] of Object.entries(lines)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), "export const x = 1;\n".repeat(n));
  }
  return src;
}

const run = (src: string) => spawnSync(process.execPath, [script, src], { encoding: "utf8" });

afterAll(() => {
  for (const root of made) rmSync(root, { recursive: true, force: true });
});

describe("check-file-sizes", () => {
  const testOnly = {
    "a.test.ts": 900,
    "a.test-d.ts": 900,
    "events/fixtures/big.ts": 900,
    "events/conformance/suite.ts": 900,
    "store/conformance.ts": 900,
  };

  it("passes when every production file is within 400 lines, whatever the test-only files", () => {
    const { status, stdout } = run(sources({ ...testOnly, "core/app.ts": 400, "b.ts": 10 }));
    expect(stdout).toContain("2 production files");
    expect(stdout).toMatch(/ {3}400 {2}core\/app\.ts\n/);
    expect(stdout).not.toContain("fixtures");
    expect(status).toBe(0);
  });

  it("fails naming a production file over 400 lines, listing the largest first", () => {
    const { status, stdout, stderr } = run(
      sources({ ...testOnly, "core/app.ts": 401, "testing/kit.ts": 20 }),
    );
    expect(stdout.indexOf("core/app.ts  (over 400)")).toBeLessThan(
      stdout.indexOf("testing/kit.ts"),
    );
    expect(stderr).toContain("1 production file(s) over 400 lines: core/app.ts");
    expect(status).toBe(1);
  });
});
