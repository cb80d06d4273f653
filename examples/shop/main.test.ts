/**
 * `npm start` end to end: the real entry point in a child process, as a newcomer runs it. It must
 * print the demo (an order placed by the checkout workflow, a card declined with its reason and the
 * run compensated, a refund), then stop on SIGTERM and exit 0 — twice on the same data folder,
 * since the data outlives the process. The signal goes to the app's own process (the banner
 * prints its pid): npx runs the app under `sh -c`, which does not pass signals on.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { privateDataDir } from "./test-support.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const dataDir = privateDataDir();

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

/** Runs `npm start` until the demo is done, stops it with SIGTERM, and returns its output. */
async function npmStart(): Promise<string> {
  // Its own process group, so that cleanup after a failure reaches npx's children too. SQLite in
  // this test's folder, whatever the environment says.
  const { WEFT_DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn("npx", ["tsx", "examples/shop/main.ts"], {
    cwd: repoRoot,
    detached: true,
    env: { ...env, WEFT_DATA_DIR: dataDir },
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
    process.kill(pid, "SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    return output;
  } finally {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, "SIGKILL");
    }
  }
}

it("npm start runs the demo, then stops cleanly on SIGTERM, twice on one data folder", {
  timeout: 90_000,
}, async () => {
  for (const run of [1, 2]) {
    const output = await npmStart();
    expect(output, `run ${run}`).toContain('Started app "shop"');
    expect(output).toContain(`Data: SQLite file ${dataDir}/shop.sqlite`);
    expect(output).toMatch(/checkout\.placeOrder .* order placed/);
    expect(output).toMatch(/checkout run order-\S+ completed: price ✓ → reserve-stock ✓/);
    expect(output).toContain("reason    CARD_DECLINED");
    expect(output).toContain("last4=0002");
    expect(output).toMatch(
      /checkout run order-\S+ compensated: .*charge ✗ CARD_DECLINED → compensate:reserve-stock ✓/,
    );
    expect(output).toMatch(/compensate:charge ✓ → compensate:reserve-stock ✓/);
    expect(output).toMatch(/payment\.getCharge → USD \d+\.\d+ charged at \S+, refunded at 20/);
    expect(output).toContain("Stopped.");
  }
});
