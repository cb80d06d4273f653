/**
 * `weft dev` as a newcomer meets it, without network: a built checkout of weft (and weft laid out
 * as its package), an app from `weft new --link-deps`, `npm install --offline`, then `weft dev`
 * in the app — the dashboard and the API served, an edit served after the restart on the same
 * ports with the same store, a broken edit that leaves `weft dev` waiting and a fix that
 * recovers, and Ctrl+C that stops everything with exit code 0. One build is shared by the tests
 * (it is the slow part).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../testing/index.js";
import type { DevEvent, DevStarted } from "./dev-supervisor.js";
import {
  cleanEnv,
  installOffline,
  layOutWeftCheckout,
  layOutWeftPackage,
  run,
} from "./fixtures/weft-package.js";

let tmp: string;
/** The app made from a built checkout of weft: the command runs from weft's sources. */
let app: string;
/** The app made from weft laid out as its published package. */
let packaged: string;
let impl: string;
let original: string;

/** `weft new --link-deps` from the weft in `weft`, then the offline install. */
function newApp(weft: string, dir: string): string {
  const created = run(
    process.execPath,
    [join(weft, "bin/weft.js"), "new", dir, "--link-deps"],
    tmp,
  );
  expect(created.status, created.stderr).toBe(0);
  const install = installOffline(dir);
  expect(install.status, install.stderr).toBe(0);
  return dir;
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "weft-cli-dev-"));
  const pkg = join(tmp, "weft-package");
  const build = layOutWeftPackage(pkg);
  expect(existsSync(join(pkg, "dist/index.js")), build.stdout).toBe(true);
  expect(
    existsSync(join(pkg, "dist/dashboard/index.html")),
    "the dashboard is not built: run npm run build:dashboard",
  ).toBe(true);
  const checkout = join(tmp, "weft");
  layOutWeftCheckout(pkg, checkout);
  app = newApp(checkout, join(tmp, "demo"));
  packaged = newApp(pkg, join(tmp, "shop"));
  impl = join(app, "src/services/greeter/impl.ts");
  original = readFileSync(impl, "utf8");
}, 300_000);
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** A running `weft dev` in the app, and what it printed so far. */
interface Dev {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Waits until `check` holds (checked after every output); fails if `weft dev` exits first. */
  until(check: () => boolean, what: string): Promise<void>;
  /** The next event of this type (with --json), after the ones taken before. */
  next<T extends DevEvent["event"]>(type: T): Promise<Extract<DevEvent, { event: T }>>;
}

function startDev(args: string[], extra: Record<string, string>, cwd = app): Dev {
  const child = spawn(join(cwd, "node_modules/.bin/weft"), ["dev", ...args], {
    cwd,
    env: cleanEnv(tmp, extra),
  });
  let stdout = "";
  let stderr = "";
  let code: number | null | undefined;
  const checks = new Set<() => void>();
  const poke = () => {
    for (const check of checks) check();
  };
  child.stdout.setEncoding("utf8").on("data", (d: string) => {
    stdout += d;
    poke();
  });
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
    poke();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on("close", (c) => {
      code = c;
      poke();
      resolve(c);
    }),
  );
  const until = (check: () => boolean, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        checks.delete(test);
        reject(new Error(`timed out waiting for ${what}\nstdout:\n${stdout}\nstderr:\n${stderr}`));
      }, 60_000);
      const test = () => {
        if (check()) {
          checks.delete(test);
          clearTimeout(timer);
          resolve();
        } else if (code !== undefined) {
          checks.delete(test);
          clearTimeout(timer);
          reject(new Error(`weft dev exited (${code}) before ${what}\nstderr:\n${stderr}`));
        }
      };
      checks.add(test);
      test();
    });
  const events = () =>
    stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as DevEvent);
  let taken = 0;
  const next = async <T extends DevEvent["event"]>(type: T) => {
    let found = -1;
    await until(() => {
      found = events().findIndex((e, i) => i >= taken && e.event === type);
      return found !== -1;
    }, `a "${type}" event`);
    taken = found + 1;
    return events()[found] as Extract<DevEvent, { event: T }>;
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exited, until, next };
}

async function greet(base: string, name: string) {
  const r = await fetch(`${base}/greet`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  return { status: r.status, body: await r.json() };
}

describe("weft dev", () => {
  it("serves the app and its dashboard, restarts on an edit on the same ports, survives a broken edit", async () => {
    const dev = startDev(["--json"], {
      WEFT_HTTP_PORT: "0",
      WEFT_ADMIN_PORT: "0",
      // Each would split the app or move its store: weft dev leaves them out and says so.
      WEFT_DATABASE_URL: "postgres://nobody@127.0.0.1:1/none",
      WEFT_NATS_URL: "nats://127.0.0.1:1",
      WEFT_GROUP: "edge",
    });
    let first: DevStarted | undefined;
    try {
      first = await dev.next("ready");
      expect(first.app).toBe("demo");
      expect(first.restarts).toBe(0);
      expect(first.ignoredEnv).toEqual(["WEFT_DATABASE_URL", "WEFT_NATS_URL", "WEFT_GROUP"]);
      expect(first.groups).toEqual({ edge: ["gateway"], core: ["greeter", "signups"] });
      expect(first.data).toBe(`SQLite file ${join(app, ".data", "demo.sqlite")}`);
      const http = first.http as string;
      const dashboard = first.dashboard as string;

      // The dashboard's page from the admin server, and the app's API.
      const page = await fetch(dashboard);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      const html = await page.text();
      expect(html).toContain("<title>Weft dashboard</title>");
      expect(html).toContain('<div id="app"></div>');
      expect(await greet(http, "Ada")).toEqual({ status: 200, body: { message: "Hello, Ada!" } });
      const signup = await fetch(`${http}/signups`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Ada", email: "ada@example.com" }),
      });
      expect(signup.status).toBe(201);

      // An edit: the new code answers on the same ports, with the same store.
      writeFileSync(impl, original.replace("Hello, ", "Howdy, "));
      expect((await dev.next("restarting")).files).toEqual(["src/services/greeter/impl.ts"]);
      const second = await dev.next("ready");
      expect(second.restarts).toBe(1);
      expect([second.http, second.dashboard]).toEqual([http, dashboard]);
      expect(await greet(http, "Ada")).toEqual({ status: 200, body: { message: "Howdy, Ada!" } });
      // The run started before the restart lives in the same SQLite file and finishes.
      await expect
        .poll(
          async () => {
            const r = await fetch(`${http}/signups/welcome-ada@example.com`);
            return ((await r.json()) as { status: string }).status;
          },
          { timeout: 20_000 },
        )
        .toBe("completed");
      expect((await fetch(dashboard)).status).toBe(200);

      // A broken edit: the app does not start, weft dev says so and waits.
      writeFileSync(impl, `${original}\nthis is not TypeScript(\n`);
      await dev.next("restarting");
      const failed = await dev.next("exited");
      expect(failed).toMatchObject({ ready: false, code: 1 });
      expect(dev.stderr()).toContain("impl.ts");
      expect(dev.child.exitCode).toBeNull();
      await expect(greet(http, "Ada")).rejects.toThrow();

      // The fix: served again, where it was.
      writeFileSync(impl, original);
      const third = await dev.next("ready");
      expect(third.restarts).toBe(3);
      expect([third.http, third.dashboard]).toEqual([http, dashboard]);
      expect(await greet(http, "Ada")).toEqual({ status: 200, body: { message: "Hello, Ada!" } });
    } finally {
      writeFileSync(impl, original);
      dev.child.kill("SIGINT");
    }
    expect(await dev.exited).toBe(0);
    expect((await dev.next("stopped")).event).toBe("stopped");
    // The app stopped with it: nothing listens on its port any more.
    await expect(greet(first.http as string, "Ada")).rejects.toThrow();
  }, 120_000);

  it("prints a banner with the URLs, restarts only for source files, and stops on SIGTERM", async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const dev = startDev(["--port", String(port), "--admin-port", String(adminPort)], {
      WEFT_NATS_URL: "nats://127.0.0.1:1",
    });
    try {
      await dev.until(() => dev.stdout().includes("Press Ctrl+C to stop."), "the banner");
      const banner = dev.stdout();
      expect(banner).toContain("demo (development) is running under weft dev");
      expect(banner).toMatch(new RegExp(`http:\\s+http://127\\.0\\.0\\.1:${port}\\n`));
      expect(banner).toMatch(new RegExp(`dashboard:\\s+http://127\\.0\\.0\\.1:${adminPort}/\\n`));
      expect(banner).toMatch(/data:\s+SQLite file \.data\/demo\.sqlite\n/);
      expect(banner).toMatch(
        /ignored:\s+WEFT_NATS_URL \(weft dev runs the whole app in one process/,
      );

      // Notes and tests are not the app: only the source file restarts it.
      writeFileSync(join(app, "NOTES.md"), "ideas\n");
      const test = join(app, "src/app.test.ts");
      writeFileSync(test, readFileSync(test, "utf8"));
      const gateway = join(app, "src/gateway.ts");
      writeFileSync(gateway, readFileSync(gateway, "utf8"));
      await dev.until(() => /restarted demo in \d+ ms/.test(dev.stdout()), "the restart");
      expect(dev.stdout()).toContain(`src/gateway.ts changed: restarting demo\n`);
      expect(dev.stdout().match(/changed: restarting/g)).toHaveLength(1);
      expect(await greet(`http://127.0.0.1:${port}`, "Bo")).toEqual({
        status: 200,
        body: { message: "Hello, Bo!" },
      });
    } finally {
      dev.child.kill("SIGTERM");
    }
    expect(await dev.exited).toBe(0);
    expect(dev.stderr()).toContain("weft dev stopped demo");
  }, 120_000);

  it("serves an app made from the published package too, workflows included", async () => {
    const dev = startDev(["--json"], { WEFT_HTTP_PORT: "0", WEFT_ADMIN_PORT: "0" }, packaged);
    try {
      const ready = await dev.next("ready");
      expect(ready.app).toBe("shop");
      const page = await fetch(ready.dashboard as string);
      expect(await page.text()).toContain('<div id="app"></div>');
      const signup = await fetch(`${ready.http}/signups`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "Bo", email: "bo@example.com" }),
      });
      expect(signup.status).toBe(201);
      expect(await signup.json()).toEqual({ id: "welcome-bo@example.com", created: true });
    } finally {
      dev.child.kill("SIGINT");
    }
    expect(await dev.exited).toBe(0);
  }, 120_000);

  it("refuses a bad port or a missing entry with exit code 2", () => {
    const bin = join(app, "node_modules/.bin/weft");
    const badPort = run(bin, ["dev", "--port", "http"], app);
    expect(badPort.status).toBe(2);
    expect(badPort.stderr).toContain("--port must be a port number from 0 to 65535");
    const noEntry = run(bin, ["dev", "src/nope.ts"], app);
    expect(noEntry.status).toBe(2);
    expect(noEntry.stderr).toContain("no such file: src/nope.ts");
  });
});
