/**
 * The `weft` command as a newcomer meets it: real child processes, real output, real exit codes.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const app = fileURLToPath(new URL("./fixtures/hello-app.ts", import.meta.url));
const env = (extra: Record<string, string> = {}) => {
  const base: Record<string, string> = { PATH: process.env.PATH ?? "", NO_COLOR: "1" };
  return { ...base, ...extra };
};
const run = (args: string[], extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, [bin, ...args], {
    env: env(extra),
    encoding: "utf8",
    timeout: 60_000,
  });

describe("weft config", () => {
  it("prints the resolved configuration and hides secrets", () => {
    const r = run(["config"], { WEFT_NATS_URL: "nats://127.0.0.1:4222", WEFT_LOG_LEVEL: "debug" });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/logLevel\s+debug/);
    expect(r.stdout).toMatch(/natsUrl\s+\(set, hidden\)/);
    expect(r.stdout).not.toContain("127.0.0.1:4222");
  });

  it("exits 2 naming every bad variable, with a suggestion for typos", () => {
    const r = run(["config"], { WEFT_LOGLEVEL: "debug", WEFT_CALL_TIMEOUT: "soon" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("WEFT_LOGLEVEL: unknown variable (did you mean WEFT_LOG_LEVEL?)");
    expect(r.stderr).toContain("WEFT_CALL_TIMEOUT");
  });
});

describe("weft start", () => {
  it("exits 2 with the known groups when asked for an unknown one", () => {
    const r = run(["start", app, "--group", "nope"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no group "nope" (groups: front)');
  });

  it("exits 2 when the entry file does not exist", () => {
    const r = run(["start", "missing.ts"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("no such file: missing.ts");
  });

  it("exits 2 and says what to set when a group needs services that run elsewhere", () => {
    const r = run([
      "start",
      fileURLToPath(new URL("../../examples/shop/app.ts", import.meta.url)),
      "--group",
      "edge",
    ]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("set WEFT_NATS_URL");
  });

  it("prints what it started, then stops cleanly on SIGTERM with exit code 0", async () => {
    const child = spawn(process.execPath, [bin, "start", app], { env: env() });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (stdout.includes("Press Ctrl+C to stop.")) child.kill("SIGTERM");
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stdout).toContain("hello (development) is running");
    expect(stdout).toMatch(/front\s+greeter\s+— this process/);
    expect(stderr).toContain("SIGTERM: stopping hello");
    expect(stderr).toContain("stopped cleanly");
    expect(code).toBe(0);
  }, 60_000);

  it("prints where it answers HTTP and where its store lives, and the URL answers", async () => {
    const data = mkdtempSync(join(tmpdir(), "weft-start-banner-"));
    const child = spawn(
      process.execPath,
      [bin, "start", fileURLToPath(new URL("./fixtures/gateway-app.ts", import.meta.url))],
      { env: env({ WEFT_DATA_DIR: data, WEFT_HTTP_PORT: "0", WEFT_ADMIN_PORT: "0" }) },
    );
    let stdout = "";
    const shown = new Promise<void>((resolve) =>
      child.stdout.setEncoding("utf8").on("data", (d: string) => {
        stdout += d;
        if (stdout.includes("Press Ctrl+C to stop.")) resolve();
      }),
    );
    try {
      await shown;
      const http = /http:\s+(http:\/\/\S+)/.exec(stdout)?.[1];
      expect(http).toBeDefined();
      expect(await (await fetch(`${http}/greet/ada`)).json()).toBe("hello ada");
      expect(stdout).toMatch(/store:\s+SQLite file \S*hello-http\.sqlite/);
      expect(stdout).toContain(data);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("exit", resolve));
      rmSync(data, { recursive: true, force: true });
    }
  }, 60_000);
});
