/**
 * `weft events …` against a real app on a SQLite file: the app runs in this process (its
 * subscribers handle events), the command runs in a child process on the same file.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../core/index.js";
import { createApp } from "../create-app.js";
import { events } from "../events/index.js";
import { uniqueName } from "../testing/index.js";
import eventsApp, { fixture, orders } from "./fixtures/events-app.js";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const entry = fileURLToPath(new URL("./fixtures/events-app.ts", import.meta.url));

let dir: string;
let name: string;
let app: App;

function weft(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args, "--app", entry], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", WEFT_DATA_DIR: dir, WEFT_APP: name },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-cli-ev-"));
  name = uniqueName("events");
  fixture.broken = true;
  fixture.handled = [];
  app = createApp(eventsApp, {
    env: { WEFT_DATA_DIR: dir, WEFT_APP: name, WEFT_LOG_LEVEL: "silent" },
    events: { pollMs: 50, relay: { pollMs: 50 } },
  });
  await app.start();
});

afterEach(async () => {
  await app.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("weft events", () => {
  it("lists a dead letter, redrives it to its subscriber, and reports the stats", {
    timeout: 60_000,
  }, async () => {
    await app.client(orders).place({ orderId: "o-1" });
    await until(async () => (await events(app).deadLetters()).length === 1, "the dead letter");

    const listed = await weft("events", "dead-letters", "--json");
    expect(listed.code).toBe(0);
    const { deadLetters } = JSON.parse(listed.stdout) as {
      deadLetters: { id: string; consumer: string; attempts: number; error: { message: string } }[];
    };
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]?.consumer).toBe("points/order.placed");
    expect(deadLetters[0]?.error.message).toContain("points ledger unavailable for o-1");

    const human = await weft("events", "dead-letters");
    expect(human.stdout).toContain("points/order.placed");
    expect(human.stdout).toContain("weft events redrive");

    fixture.broken = false;
    const redrive = await weft("events", "redrive", deadLetters[0]?.id ?? "");
    expect(redrive.code).toBe(0);
    expect(redrive.stdout).toContain("Redrove 1 dead letter");
    await until(() => fixture.handled.length === 1, "the redriven event");
    expect(fixture.handled).toEqual(["o-1"]);

    const stats = await weft("events", "stats", "--json");
    expect(stats.code).toBe(0);
    const parsed = JSON.parse(stats.stdout) as {
      broker: string;
      consumers: { name: string; deadLetters: number }[];
    };
    expect(parsed.broker).toBe("local");
    expect(parsed.consumers).toEqual([
      expect.objectContaining({ name: "points/order.placed", deadLetters: 0 }),
    ]);
  });

  it("says what to do when a dead letter does not exist or the command is incomplete", {
    timeout: 60_000,
  }, async () => {
    const missing = await weft("events", "redrive", "no-such-id");
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("weft events dead-letters");
    const incomplete = await weft("events", "redrive");
    expect(incomplete.code).toBe(2);
    expect(incomplete.stderr).toContain("--all");
  });
});
