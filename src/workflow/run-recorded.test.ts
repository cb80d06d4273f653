/**
 * Once `run` recorded a run, an error while waiting for it says so: with PostgreSQL stopped while
 * the caller waits, `run` keeps waiting until its timeout, then fails with `mayHaveRun: true`,
 * retryable, and the run's id in its metadata — not a plain "unavailable, try again later" for a
 * run that goes on. Once the server is back, running the same id again answers the real outcome.
 * The server is a private one — the shared server is never stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, isWeftError, type WeftError } from "../core/index.js";
import { createApp } from "../create-app.js";
import {
  findPostgresBin,
  type PrivatePostgres,
  startPrivatePostgres,
} from "../testing/private-postgres.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import { workflows } from "./client.js";

const noServerBinaries = findPostgresBin() === undefined;
if (noServerBinaries && process.env.WEFT_REQUIRE_SERVICES === "1") {
  throw new Error(
    "PostgreSQL server binaries are missing, and WEFT_REQUIRE_SERVICES=1 requires them",
  );
}

/** A run that waits for the signal `go`, then returns its input doubled. */
const gated = defineWorkflow(
  "gated",
  { input: z.object({ n: z.number() }), output: z.number() },
  async (wf, { n }) => {
    await wf.signal("go");
    return wf.step("double", async () => n * 2);
  },
);

describe.skipIf(noServerBinaries)("waiting for a recorded run while PostgreSQL is down", () => {
  let server: PrivatePostgres | undefined;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 120_000);
  afterAll(async () => {
    await server?.close();
  });

  it("fails saying the run may have run, with its id; the same id later gets the outcome", async () => {
    const pg = server as PrivatePostgres;
    const app = createApp(
      defineApp({ name: uniqueName("wfrec"), services: [], workflows: [gated] }),
      {
        env: {},
        config: { logLevel: "silent", databaseUrl: pg.url },
        workflow: { pollMs: 50 },
      },
    );
    await app.start();
    try {
      const waiting = workflows(app)
        .run(gated, { n: 21 }, { id: "order-1", timeout: "3s" })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      // Drive until the run is recorded and asleep, waiting for its signal.
      for (let i = 0; ; i++) {
        const runs = await workflows(app).list();
        if (runs.some((r) => r.id === "order-1" && r.status === "sleeping")) break;
        if (i > 200) throw new Error("the run was not recorded within 10 s");
        await new Promise((r) => setTimeout(r, 50));
      }
      await pg.stop();
      const error = await waiting;
      expect(isWeftError(error)).toBe(true);
      expect(error as WeftError).toMatchObject({
        mayHaveRun: true,
        retryable: true,
        metadata: { runId: "order-1" },
      });
      await pg.start();
      // The server is back: signal the run (retrying while the pool reconnects), then wait again.
      for (let i = 0; ; i++) {
        try {
          await workflows(app).signal("order-1", "go");
          break;
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const output = await workflows(app).run(gated, { n: 21 }, { id: "order-1", timeout: "20s" });
      expect(output).toBe(42);
    } finally {
      await app.stop({ grace: "2s" });
    }
  }, 120_000);
});
