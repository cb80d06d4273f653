/**
 * `weft new`: the folder rules, and the whole path a newcomer takes without network — weft built
 * and laid out as its package ("files" of package.json, dist from the build), `weft new
 * --link-deps` from that package, `npm install --offline`, type-check, the app's own tests, then
 * `weft start` and real HTTP calls and a workflow run.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../testing/index.js";
import {
  cleanEnv as cleanEnvIn,
  installOffline,
  layOutWeftPackage,
  repo,
  run,
} from "./fixtures/weft-package.js";

const bin = join(repo, "bin", "weft.js");

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "weft-cli-new-"));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

const cleanEnv = (extra: Record<string, string> = {}) => cleanEnvIn(tmp, extra);

describe("weft new", () => {
  it("creates the app's files, with its name, and refuses a folder that is not empty", () => {
    const dir = join(tmp, "shop-app");
    const r = run(process.execPath, [bin, "new", dir, "--json"], tmp);
    expect(r.status).toBe(0);
    const result = JSON.parse(r.stdout) as {
      name: string;
      files: string[];
      dependencies: Record<string, string>;
    };
    expect(result.name).toBe("shop-app");
    expect(result.files).toEqual(
      expect.arrayContaining([
        ".gitignore",
        "package.json",
        "tsconfig.json",
        "README.md",
        "src/app.ts",
        "src/main.ts",
        "src/app.test.ts",
        "src/services/greeter/contract.ts",
        "src/services/greeter/impl.ts",
        "src/workflows/welcome.ts",
      ]),
    );
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    expect(pkg.name).toBe("shop-app");
    expect(pkg.dependencies.weft).toBe(`file:${repo.replace(/\/$/, "")}`);
    // Versions are the ranges weft itself is tested with.
    const weftPkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8"));
    expect(pkg.dependencies.zod).toBe(weftPkg.devDependencies.zod);
    expect(pkg.devDependencies.vitest).toBe(weftPkg.devDependencies.vitest);
    expect(pkg.dependencies["better-sqlite3"]).toBe(weftPkg.peerDependencies["better-sqlite3"]);
    expect(readFileSync(join(dir, "src", "app.ts"), "utf8")).toContain('name: "shop-app"');

    const again = run(process.execPath, [bin, "new", dir], tmp);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain("already exists and is not empty: choose a new folder");
    expect(
      run(process.execPath, [bin, "new", join(tmp, "x"), "--name", "9lives"], tmp).status,
    ).toBe(2);
  });

  it("installs offline against the local weft, type-checks, passes its tests, and serves", async () => {
    const timings: Record<string, number> = {};
    // 1. weft as its package would be: the "files" of package.json, and dist from the build.
    const pkgDir = join(tmp, "weft");
    const build = layOutWeftPackage(pkgDir);
    timings.build = build.ms;
    expect(existsSync(join(pkgDir, "dist/index.js")), build.stdout).toBe(true);

    // 2. weft new from that package, linking every dependency: no registry needed.
    const app = join(tmp, "demo");
    const created = run(
      process.execPath,
      [join(pkgDir, "bin/weft.js"), "new", app, "--link-deps"],
      tmp,
    );
    expect(created.stderr).toBe("");
    expect(created.status).toBe(0);
    expect(created.stdout).toContain("Created demo");
    // It tells the install that works (the one this test runs next), as docs/cli.md does.
    expect(created.stdout).toContain("npm install --offline --ignore-scripts");

    // 3. npm install --offline: fails rather than touching the network.
    const install = installOffline(app);
    timings.install = install.ms;
    expect(install.stderr).not.toContain("ERR");
    expect(install.status).toBe(0);

    // 4. Type-check and the app's own tests, with the app's own tools.
    const tsc = run(join(app, "node_modules/.bin/tsc"), ["--noEmit"], app);
    timings.typecheck = tsc.ms;
    expect(tsc.stdout).toBe("");
    expect(tsc.status).toBe(0);
    const tests = run(join(app, "node_modules/.bin/vitest"), ["run"], app);
    timings.test = tests.ms;
    expect(tests.stdout).toMatch(/Tests\s+4 passed/);
    expect(tests.status).toBe(0);

    // 5. weft start, then HTTP calls and the workflow they start.
    const port = await freePort();
    const env = cleanEnv({
      WEFT_HTTP_PORT: String(port),
      WEFT_ADMIN_PORT: "0",
      WEFT_DATA_DIR: join(app, ".data"),
    });
    const child = spawn(join(app, "node_modules/.bin/weft"), ["start"], { cwd: app, env });
    let stdout = "";
    let stderr = "";
    const ready = new Promise<void>((resolve) => {
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("Press Ctrl+C to stop.")) resolve();
      });
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await Promise.race([ready, exited.then(() => expect.fail(`weft start exited: ${stderr}`))]);
      expect(stdout).toMatch(/edge\s+gateway\s+— this process/);
      const post = (path: string, body: unknown) =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      const greeting = await post("/greet", { name: "Ada" });
      expect(greeting.status).toBe(200);
      expect(await greeting.json()).toEqual({ message: "Hello, Ada!" });
      const bad = await post("/greet", { name: "" });
      expect(bad.status).toBe(400);
      expect(bad.headers.get("content-type")).toContain("application/problem+json");
      const signup = await post("/signups", { name: "Ada", email: "ada@example.com" });
      expect(signup.status).toBe(201);
      expect(await signup.json()).toEqual({ id: "welcome-ada@example.com", created: true });
      await expect
        .poll(
          async () => {
            const r = await fetch(`http://127.0.0.1:${port}/signups/welcome-ada@example.com`);
            return ((await r.json()) as { status: string }).status;
          },
          { timeout: 20_000 },
        )
        .toBe("completed");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain("stopped cleanly");
    writeFileSync(join(tmp, "timings.json"), JSON.stringify(timings));
    console.log(`weft new end to end (ms): ${JSON.stringify(timings)}`);
  }, 600_000);
});
