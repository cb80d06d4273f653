/**
 * `weft workflows …` against a real app on a SQLite file: the app runs in this process (its
 * worker executes runs), the command runs in a child process on the same file, as an operator
 * would use it next to a running deployment.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { App } from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/index.js";
import { workflows } from "../workflow/index.js";
import ordersApp, { fixture, order } from "./fixtures/orders-app.js";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const entry = fileURLToPath(new URL("./fixtures/orders-app.ts", import.meta.url));

let dir: string;
let name: string;
let app: App;

/** Runs `weft` in a child process on this test's store; resolves its exit code and output. */
function weft(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], {
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

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-cli-wf-"));
  name = uniqueName("orders");
  fixture.cardDeclined = true;
  fixture.releaseFails = false;
  app = createApp(ordersApp, {
    env: { WEFT_DATA_DIR: dir, WEFT_APP: name, WEFT_LOG_LEVEL: "silent" },
    workflow: { pollMs: 50 },
  });
  await app.start();
});

afterEach(async () => {
  await app.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("weft workflows", () => {
  it("lists runs in a table, filters them, and prints one JSON document with --json", async () => {
    const wf = workflows(app);
    const ok = await wf.start(order, { sku: "tea", mode: "ok" }, { id: "run-ok" });
    const declined = await wf.start(
      order,
      { sku: "tea", mode: "declined" },
      { id: "run-declined" },
    );
    expect((await wf.result(ok.id)).status).toBe("completed");
    expect((await wf.result(declined.id)).status).toBe("compensated");

    const table = await weft("workflows", "list", "--app", entry);
    expect(table.code).toBe(0);
    // It says which store it read (stderr: stdout stays the table or the JSON).
    expect(table.stderr).toContain(`store: SQLite file ${join(dir, `${name}.sqlite`)}`);
    const lines = table.stdout.split("\n");
    expect(lines[0]).toMatch(/^ID\s+WORKFLOW\s+STATUS\s+CREATED\s+UPDATED$/);
    expect(table.stdout).toMatch(/run-ok\s+order@1\s+completed\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ/);
    expect(table.stdout).toMatch(/run-declined\s+order@1\s+compensated/);

    const filtered = await weft(
      "workflows",
      "list",
      "--app",
      entry,
      "--status",
      "compensated",
      "--json",
    );
    expect(filtered.code).toBe(0);
    const doc = JSON.parse(filtered.stdout) as { runs: { id: string; status: string }[] };
    expect(doc.runs.map((r) => [r.id, r.status])).toEqual([["run-declined", "compensated"]]);

    const limited = await weft("workflows", "list", "--app", entry, "--limit", "1", "--json");
    expect((JSON.parse(limited.stdout) as { runs: unknown[] }).runs).toHaveLength(1);
    const none = await weft("workflows", "list", "--app", entry, "--workflow", "other", "--json");
    expect(JSON.parse(none.stdout)).toEqual({ runs: [] });
  }, 120_000);

  it("shows a run's step timeline with the error and the compensation steps marked", async () => {
    await workflows(app).start(order, { sku: "tea", mode: "declined" }, { id: "run-d" });
    await workflows(app).result("run-d");

    const shown = await weft("workflows", "show", "run-d", "--app", entry);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/status\s+compensated/);
    expect(shown.stdout).toContain("FAILED_PRECONDITION CARD_DECLINED: the card was declined");
    expect(shown.stdout).toMatch(/^#\s+STEP\s+KIND\s+STATUS\s+ATTEMPTS\s+DURATION\s+ERROR$/m);
    expect(shown.stdout).toMatch(/\d\s+check\s+step\s+ok\s+1\s+\d+ ms/);
    expect(shown.stdout).toMatch(
      /\d\s+charge\s+step\s+failed\s+1\s+\d+ ms\s+FAILED_PRECONDITION CARD_DECLINED/,
    );
    expect(shown.stdout).toMatch(/↩ compensate:reserve\s+compensation\s+ok/);

    const json = await weft("workflows", "show", "run-d", "--app", entry, "--json");
    const doc = JSON.parse(json.stdout) as {
      status: string;
      input: unknown;
      steps: { name: string; kind: string; ok: boolean; error?: { reason: string } }[];
    };
    expect(doc.status).toBe("compensated");
    expect(doc.input).toEqual({ sku: "tea", mode: "declined" });
    expect(doc.steps.map((s) => [s.name, s.kind, s.ok])).toEqual([
      ["check", "step", true],
      ["reserve", "step", true],
      ["charge", "step", false],
      ["compensate:reserve", "compensation", true],
    ]);
    expect(doc.steps[2]?.error?.reason).toBe("CARD_DECLINED");
  }, 120_000);

  it("exits 3 with what to do next when the run does not exist", async () => {
    const r = await weft("workflows", "show", "no-such-run", "--app", entry);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("no run no-such-run");
    expect(r.stderr).toContain("weft workflows list");

    const json = await weft("workflows", "cancel", "no-such-run", "--app", entry, "--json");
    expect(json.code).toBe(3);
    expect(json.stdout).toBe("");
    expect(JSON.parse(json.stderr)).toMatchObject({
      error: { code: "NOT_FOUND", reason: "RUN_NOT_FOUND" },
    });
  }, 120_000);

  it("cancels a sleeping run: the app's worker stops it and runs its compensations", async () => {
    await workflows(app).start(order, { sku: "tea", mode: "wait" }, { id: "run-w" });
    await expect.poll(async () => (await workflows(app).get("run-w")).status).toBe("sleeping");

    const r = await weft("workflows", "cancel", "run-w", "--app", entry);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Cancellation requested for run run-w");

    const outcome = await workflows(app).result("run-w");
    expect(outcome.status).toBe("cancelled");
    const steps = (await workflows(app).get("run-w")).steps.map((s) => s.name);
    expect(steps).toContain("compensate:reserve");
  }, 120_000);

  it("resumes a run whose compensation failed, once the cause is fixed", async () => {
    fixture.releaseFails = true;
    await workflows(app).start(order, { sku: "tea", mode: "declined" }, { id: "run-b" });
    const failed = await workflows(app).result("run-b");
    expect(failed).toMatchObject({ status: "failed", error: { reason: "COMPENSATION_FAILED" } });

    fixture.releaseFails = false; // the stock service is back
    const r = await weft("workflows", "resume", "run-b", "--app", entry, "--json");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: "run-b", action: "resume" });
    await expect.poll(async () => (await workflows(app).get("run-b")).status).toBe("compensated");

    const again = await weft("workflows", "resume", "run-b", "--app", entry);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("only failed runs resume");
  }, 120_000);

  it("retries a compensated run from the first step its compensations undid", async () => {
    await workflows(app).start(order, { sku: "tea", mode: "declined" }, { id: "run-r" });
    expect((await workflows(app).result("run-r")).status).toBe("compensated");

    const missing = await weft("workflows", "retry", "run-r", "--step", "nope", "--app", entry);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain("run run-r has no step nope");

    fixture.cardDeclined = false;
    const r = await weft("workflows", "retry", "run-r", "--app", entry);
    expect(r.code).toBe(0);
    // reserve was released by its compensation: the retry must reserve again, not only charge.
    expect(r.stdout).toContain('pending again from step "reserve"');
    await expect.poll(async () => (await workflows(app).get("run-r")).status).toBe("completed");
    const names = (await workflows(app).get("run-r")).steps.map((s) => s.name);
    expect(names).toEqual(["check", "reserve", "charge"]);

    // Naming a later step works, with a warning that undone steps are not redone.
    fixture.cardDeclined = true;
    await workflows(app).start(order, { sku: "tea", mode: "declined" }, { id: "run-r2" });
    expect((await workflows(app).result("run-r2")).status).toBe("compensated");
    const later = await weft("workflows", "retry", "run-r2", "--step", "charge", "--app", entry);
    expect(later.code).toBe(0);
    expect(later.stdout).toContain('Careful: compensations had undone "reserve"');
  }, 120_000);

  it("exits 2 on a bad filter or an app without workflows", async () => {
    const bad = await weft("workflows", "list", "--app", entry, "--status", "done");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("status must be one of");
    const limit = await weft("workflows", "list", "--app", entry, "--limit", "0");
    expect(limit.code).toBe(2);
    const hello = fileURLToPath(new URL("./fixtures/hello-app.ts", import.meta.url));
    const noWf = await weft("workflows", "list", "--app", hello);
    expect(noWf.code).toBe(2);
    expect(noWf.stderr).toContain("defines no workflows");
  }, 120_000);
});
