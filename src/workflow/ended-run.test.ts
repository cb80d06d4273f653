/**
 * A run that ended without completing is final for its id: `run` throws the run's own error —
 * even one that said "retry" inside the run, such as a step that found NATS down — as not
 * retryable, and running the same id again answers the same.
 * (Otherwise a client that retries an order with its idempotency key would be told "try again"
 * for ever about a run that can only end the same way.)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, unavailable } from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import { workflows } from "./client.js";

/** Fails at its only step with a retryable error that says nothing ran (as a NATS outage does). */
const unlucky = defineWorkflow(
  "unlucky",
  { input: z.object({ n: z.number() }), output: z.number() },
  async (wf, { n }) =>
    wf.step(
      "reach",
      async () => {
        throw unavailable("NOT_CONNECTED", `not connected (order ${n})`, { mayHaveRun: false });
      },
      { retry: false },
    ),
);

describe("a run that ended without completing", () => {
  let dir: string;
  let app: App;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-ended-run-"));
    app = createApp(defineApp({ name: uniqueName("ended"), services: [], workflows: [unlucky] }), {
      env: {},
      config: { dataDir: dir, logLevel: "silent" },
      workflow: { pollMs: 50 },
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop({ grace: "2s" });
    await rm(dir, { recursive: true, force: true });
  });

  it("throws its own error as final (not retryable), and the same again for the same id", async () => {
    const expected = {
      code: "UNAVAILABLE",
      reason: "NOT_CONNECTED",
      message: "not connected (order 1)",
      retryable: false,
    };
    await expect(workflows(app).run(unlucky, { n: 1 }, { id: "order-1" })).rejects.toMatchObject(
      expected,
    );
    // The same id again: the same run, the same final answer.
    await expect(workflows(app).run(unlucky, { n: 1 }, { id: "order-1" })).rejects.toMatchObject(
      expected,
    );
  });
});
