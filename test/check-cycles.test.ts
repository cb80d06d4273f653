/**
 * scripts/check-cycles.mjs (the import-cycle lint step) on tiny projects written to a temp folder:
 * it fails naming a deliberate cycle, passes a cycle-free project, fails when it resolves too
 * little, and enforces the type-only and test-only rules.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const script = fileURLToPath(new URL("../scripts/check-cycles.mjs", import.meta.url));
const made: string[] = [];

/** Writes a project (tsconfig.json + the given files under src/) and returns its folder. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "weft-cycles-"));
  made.push(root);
  writeFileSync(
    join(root, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", strict: true },
    }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, "src", path)), { recursive: true });
    writeFileSync(join(root, "src", path), text);
  }
  return root;
}

/** Runs the script on a project's src/; `minFiles` lowers the plausibility floor. */
function check(root: string, ...extra: string[]) {
  const run = spawnSync(
    process.execPath,
    [script, join(root, "src"), "--tsconfig", join(root, "tsconfig.json"), ...extra],
    { encoding: "utf8", cwd: root },
  );
  return { status: run.status, out: run.stdout, err: run.stderr };
}

afterAll(() => {
  for (const root of made) rmSync(root, { recursive: true, force: true });
});

describe("check-cycles", () => {
  it("fails on a cycle of ESM .js specifiers naming .ts files, and names it", () => {
    const root = project({
      "a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "b.ts": 'import { a } from "./a.js";\nexport const b = 1;\nexport const c = () => a;\n',
      "c.ts": 'import { b } from "./b.js";\nexport const d = b;\n',
    });
    const { status, out, err } = check(root, "--min-files", "3");
    expect(out).toContain("3 files, 3 import edges resolved");
    expect(err).toContain("import cycle: a.ts > b.ts > a.ts");
    expect(status).toBe(1);
  });

  it("passes a project without a cycle, after resolving every import", () => {
    const root = project({
      "a.ts":
        'import { b } from "./b.js";\nimport { c } from "./lib/c.js";\nexport const a = () => b + c;\n',
      "b.ts": 'import { c } from "./lib/c.js";\nexport const b = c;\n',
      "lib/c.ts": "export const c = 1;\n",
    });
    const { status, out, err } = check(root, "--min-files", "3");
    expect(err).toBe("");
    expect(out).toContain("3 files, 3 import edges resolved");
    expect(out).toContain("no cycle");
    expect(status).toBe(0);
  });

  it("fails when it resolves implausibly little (the default floor is 100 files)", () => {
    const root = project({
      "a.ts": 'import { b } from "./b.js";\nexport const a = () => b;\n',
      "b.ts": "export const b = 1;\n",
    });
    const { status, err } = check(root);
    expect(err).toContain("resolved too little (2 files, 1 edges");
    expect(status).toBe(1);
  });

  it("fails when a relative import does not resolve", () => {
    const root = project({
      "a.ts": 'import { b } from "./missing.js";\nexport const a = () => b;\n',
      "b.ts": 'import { a } from "./a.js";\nexport const b = a;\n',
    });
    const { status, err } = check(root, "--min-files", "1");
    expect(err).toContain("an import did not resolve: ./missing.js");
    expect(status).toBe(1);
  });

  it("leaves a cycle through `import type` out unless --type-imports", () => {
    const root = project({
      "a.ts":
        'import { b } from "./b.js";\nimport { c } from "./c.js";\nexport type A = { n: number };\nexport const a = [b, c];\n',
      "b.ts":
        'import type { A } from "./a.js";\nimport { c } from "./c.js";\nexport const b: A = { n: c };\n',
      "c.ts": "export const c = 1;\n",
    });
    const plain = check(root, "--min-files", "3");
    expect(plain.out).toContain("3 files, 3 import edges resolved");
    expect(plain.status).toBe(0);
    const typed = check(root, "--min-files", "3", "--type-imports");
    expect(typed.err).toContain("import cycle: a.ts > b.ts > a.ts");
    expect(typed.status).toBe(1);
  });

  it("fails when a production module imports a fixture or a conformance suite", () => {
    const root = project({
      "a.ts": 'import { f } from "./fixtures/f.js";\nexport const a = f;\n',
      "fixtures/f.ts": "export const f = 1;\n",
      "testing/kit.ts": 'import { s } from "../store/conformance.js";\nexport const kit = s;\n',
      "store/conformance.ts": "export const s = 1;\n",
    });
    const { status, err } = check(root, "--min-files", "4");
    expect(err).toContain("production module a.ts imports test-only fixtures/f.ts");
    expect(err).not.toContain("testing/kit.ts");
    expect(status).toBe(1);
  });
});
