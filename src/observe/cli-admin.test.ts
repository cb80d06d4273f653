/**
 * `weft start` runs the admin server by default and prints where; `--no-admin` runs none. Real
 * child processes; port 0 so parallel tests never fight over 9464.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const app = fileURLToPath(new URL("../cli/fixtures/hello-app.ts", import.meta.url));

/** Starts `weft start …`, waits for `ready` in its stdout, runs `check`, then SIGTERMs it. */
async function withStarted(
  args: string[],
  ready: RegExp,
  check: (stdout: string) => Promise<void>,
): Promise<number | null> {
  const child = spawn(process.execPath, [bin, "start", app, ...args], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WEFT_ADMIN_PORT: "0" },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (ready.test(stdout)) resolve();
    });
    child.once("exit", () => reject(new Error(`exited before ready:\n${stdout}\n${stderr}`)));
  });
  try {
    await check(stdout);
  } finally {
    child.kill("SIGTERM");
  }
  return exited;
}

describe("weft start and the admin server", () => {
  it("prints the admin server's URL in its banner, and the server answers", async () => {
    const code = await withStarted([], /Press Ctrl\+C to stop\./, async (stdout) => {
      const url = /admin:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
      expect(url, stdout).toBeDefined();
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      const described = (await (await fetch(`${url}/api/app`)).json()) as { name: string };
      expect(described.name).toBe("hello");
    });
    expect(code).toBe(0);
  }, 60_000);

  it("runs none with --no-admin", async () => {
    const code = await withStarted(["--no-admin", "--json"], /\n/, async (stdout) => {
      const line = JSON.parse(stdout.split("\n")[0] as string) as { admin: unknown; state: string };
      expect(line).toMatchObject({ state: "running", admin: null });
    });
    expect(code).toBe(0);
  }, 60_000);
});
