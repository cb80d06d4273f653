/** Workflow management through the admin API: list, show, resume, retry from a step, cancel. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, failedPrecondition } from "../../core/index.js";
import { createApp } from "../../create-app.js";
import { uniqueName } from "../../testing/unique-name.js";
import { defineWorkflow } from "../../workflow/authoring/index.js";
import { workflows } from "../../workflow/client.js";
import { parsePrometheus } from "../fixtures/prometheus.js";
import { ADMIN } from "./extension.js";

let charges = 0;
const flaky = defineWorkflow("flaky", { input: z.object({}), output: z.string() }, async (wf) => {
  await wf.step("prepare", async () => "ready");
  const n = await wf.step("charge", async () => {
    charges += 1;
    if (charges === 1) throw failedPrecondition("CARD_DECLINED", "the card was declined");
    return charges;
  });
  return `charged ${n}`;
});
const sleeper = defineWorkflow(
  "sleeper",
  { input: z.object({}), output: z.string() },
  async (wf) => {
    await wf.sleep("nap", "1h");
    return "woke";
  },
);

let app: App;
let url: string;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-admin-wf-"));
  app = createApp(
    defineApp({ name: uniqueName("wfadmin"), services: [], workflows: [flaky, sleeper] }),
    {
      env: {},
      admin: true,
      config: { logLevel: "silent", dataDir: dir, adminPort: 0 },
      workflow: { pollMs: 50 },
    },
  );
  await app.start();
  url = app.use(ADMIN).url as string;
});

afterAll(async () => {
  await app?.stop({ grace: 0 });
  await rm(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: tests read answers' JSON freely
type Json = any;

async function call(
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Json }> {
  const response = await fetch(`${url}${path}`, {
    method,
    ...(method === "POST"
      ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) }
      : {}),
  });
  return { status: response.status, body: await response.json() };
}

describe("workflow routes", () => {
  it("lists and shows runs, resumes a failed one and retries it from a step", async () => {
    const { id } = await workflows(app).start(flaky, {});
    expect((await workflows(app).result(id)).status).toBe("failed");

    const failed = await call("GET", "/api/workflows?status=failed&workflow=flaky");
    expect(failed.status).toBe(200);
    expect(failed.body.runs).toEqual([
      expect.objectContaining({
        id,
        workflow: "flaky",
        status: "failed",
        error: expect.objectContaining({ code: "FAILED_PRECONDITION", reason: "CARD_DECLINED" }),
      }),
    ]);
    const shown = await call("GET", `/api/workflows/${id}`);
    expect(shown.body.steps.map((s: { name: string; ok: boolean }) => [s.name, s.ok])).toEqual([
      ["prepare", true],
      ["charge", false],
    ]);

    // Resuming replays the journal: the recorded failure of "charge" stands (it is for failed
    // compensations); retrying from "charge" forgets it and runs the step again.
    expect(await call("POST", `/api/workflows/${id}/resume`)).toEqual({
      status: 200,
      body: { id, resumed: true },
    });
    expect(await workflows(app).result(id)).toMatchObject({
      status: "failed",
      error: { reason: "CARD_DECLINED" },
    });
    expect(await call("POST", `/api/workflows/${id}/retry`, { step: "charge" })).toEqual({
      status: 200,
      body: { id, retriedFrom: "charge" },
    });
    expect(await workflows(app).result(id)).toMatchObject({
      status: "completed",
      output: "charged 2",
    });
    const again = await call("POST", `/api/workflows/${id}/resume`);
    expect(again).toMatchObject({ status: 409, body: { reason: "RUN_NOT_FAILED" } });
    expect(await call("POST", `/api/workflows/${id}/retry`, {})).toMatchObject({
      status: 400,
      body: { reason: "STEP_REQUIRED", issues: [{ path: ["step"] }] },
    });
    expect(await call("POST", `/api/workflows/${id}/retry`, { step: "nope" })).toMatchObject({
      status: 404,
      body: { reason: "STEP_NOT_FOUND" },
    });
    const limited = await call("GET", "/api/workflows?workflow=flaky&limit=1");
    expect(limited.body.runs).toHaveLength(1);

    // The engine counts how runs ended: failed twice (first run, resumed run), then completed.
    const metrics = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
    expect(metrics.value("weft_workflow_runs_total", { workflow: "flaky", status: "failed" })).toBe(
      2,
    );
    expect(
      metrics.value("weft_workflow_runs_total", { workflow: "flaky", status: "completed" }),
    ).toBe(1);
  });

  it("cancels a run", async () => {
    const { id } = await workflows(app).start(sleeper, {});
    const listed = await call("GET", `/api/workflows?workflow=sleeper`);
    expect(listed.body.runs.map((r: { id: string }) => r.id)).toContain(id);
    expect(await call("POST", `/api/workflows/${id}/cancel`)).toEqual({
      status: 200,
      body: { id, cancel: "requested" },
    });
    expect((await workflows(app).result(id)).status).toBe("cancelled");
    // A finished run is refused, naming its status.
    expect(await call("POST", `/api/workflows/${id}/cancel`)).toMatchObject({
      status: 409,
      body: { code: "FAILED_PRECONDITION", reason: "RUN_FINISHED" },
    });
    const done = await workflows(app).start(flaky, {});
    expect((await workflows(app).result(done.id)).status).toBe("completed");
    const refused = await call("POST", `/api/workflows/${done.id}/cancel`);
    expect(refused).toMatchObject({ status: 409, body: { reason: "RUN_FINISHED" } });
    expect(refused.body.detail ?? refused.body.message).toContain("is completed");
  });

  it("takes run ids up to 200 characters; a bad percent-encoding is a 400", async () => {
    const long = "r".repeat(200);
    const { id } = await workflows(app).start(sleeper, {}, { id: long });
    expect(id).toBe(long);
    expect(await call("GET", `/api/workflows/${long}`)).toMatchObject({
      status: 200,
      body: { id: long, workflow: "sleeper" },
    });
    expect(await call("GET", `/api/workflows/${"x".repeat(150)}`)).toMatchObject({
      status: 404,
      body: { reason: "RUN_NOT_FOUND" },
    });
    expect(await call("GET", "/api/workflows/a%zzb")).toMatchObject({
      status: 400,
      body: { code: "INVALID_ARGUMENT", reason: "PATH_NOT_DECODABLE" },
    });
    expect(await call("GET", `/api/workflows/${"x".repeat(1025)}`)).toMatchObject({
      status: 400,
      body: { reason: "PATH_SEGMENT_TOO_LONG" },
    });
    await workflows(app).cancel(id);
  });

  it("answers bad filters and unknown runs with a structured error", async () => {
    expect(await call("GET", "/api/workflows?status=sleepy")).toMatchObject({
      status: 400,
      body: { code: "INVALID_ARGUMENT", reason: "INVALID_FILTER" },
    });
    expect(await call("GET", "/api/workflows?limit=ten")).toMatchObject({
      status: 400,
      body: { reason: "INVALID_QUERY", issues: [{ path: ["query", "limit"] }] },
    });
    expect(await call("GET", "/api/workflows/no-such-run")).toMatchObject({
      status: 404,
      body: { reason: "RUN_NOT_FOUND" },
    });
  });
});
