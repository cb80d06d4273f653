/**
 * `npm start` end to end: the real entry point in a child process, as a newcomer runs it. It must
 * print the demo (an order placed, a card declined with its reason), then stop on SIGTERM and
 * exit 0. The signal goes to the app's own process (the banner prints its pid): npx runs the app
 * under `sh -c`, which does not pass signals on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** Resolves with the app's pid once it prints that it is running; rejects if it exits first. */
function whenRunning(child: ChildProcess, read: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", () => {
      const match = /is running \(pid (\d+)\)/.exec(read());
      if (match !== null) resolve(Number(match[1]));
    });
    child.on("exit", (code) => reject(new Error(`exited (${code}) before running:\n${read()}`)));
  });
}

it("npm start runs the demo, then stops cleanly on SIGTERM", { timeout: 60_000 }, async () => {
  // Its own process group, so that cleanup after a failure reaches npx's children too.
  const child = spawn("npx", ["tsx", "examples/shop/main.ts"], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  try {
    const pid = await whenRunning(child, () => output);
    expect(output).toContain('Started app "shop"');
    expect(output).toMatch(/checkout\.placeOrder .* order placed/);
    expect(output).toContain("reason    CARD_DECLINED");
    expect(output).toContain("last4=0002");

    process.kill(pid, "SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain("Stopped.");
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, "SIGKILL");
    }
  }
});
