import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp } from "../core/index.js";
import { createApp } from "../create-app.js";
import { createSqliteStore } from "../store/sqlite/index.js";
import { type AnyWorkflow, defineWorkflow, workflows } from "../workflow/index.js";
import { replayAll } from "./replay.js";
import { uniqueName } from "./unique-name.js";

const dirs: string[] = [];
const apps: App[] = [];

afterEach(async () => {
  for (const app of apps.splice(0)) if (app.state === "running") await app.stop();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Starts apps on one SQLite file: each call is a deploy of `workflows` on the same journal. */
async function journal() {
  const dir = await mkdtemp(join(tmpdir(), "weft-replay-"));
  dirs.push(dir);
  const name = uniqueName("replay");
  return async (list: AnyWorkflow[]) => {
    const app = createApp(defineApp({ name, services: [], workflows: list }), {
      config: { logLevel: "silent" },
      store: () => createSqliteStore({ path: join(dir, "journal.db") }),
    });
    apps.push(app);
    await app.start();
    return app;
  };
}

const io = { input: z.object({ n: z.number() }), output: z.number() };

describe("replayAll", () => {
  let ran = 0;
  const step = (value: number) => async () => {
    ran += 1;
    return value;
  };
  const v1 = defineWorkflow("sum", io, async (wf, { n }) => {
    const a = await wf.step("a", step(n));
    const b = await wf.step("b", step(2 * n));
    return a + b + (await wf.random()) * 0;
  });

  it("replays completed runs of unchanged code without running a step again", async () => {
    const deploy = await journal();
    const app = await deploy([v1]);
    await workflows(app).run(v1, { n: 1 });
    await workflows(app).run(v1, { n: 2 });
    ran = 0;
    expect(await replayAll(app)).toEqual({ replayed: 2, failures: [] });
    expect(await replayAll(app, { workflow: "other" })).toEqual({ replayed: 0, failures: [] });
    expect(ran).toBe(0);
  });

  it("reports the runs changed code no longer replays, naming the run and the step", async () => {
    const deploy = await journal();
    const first = await deploy([v1]);
    const { id } = await workflows(first).start(v1, { n: 1 });
    await workflows(first).result(id);
    await first.stop();
    const reordered = defineWorkflow("sum", io, async (wf, { n }) => {
      const b = await wf.step("b", step(2 * n));
      const a = await wf.step("a", step(n));
      return a + b;
    });
    const second = await deploy([reordered]);
    ran = 0;
    const report = await replayAll(second);
    expect(report.replayed).toBe(1);
    expect(report.failures).toHaveLength(1);
    const [failure] = report.failures;
    expect(failure).toMatchObject({ runId: id, workflow: "sum" });
    expect(failure?.error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "NONDETERMINISM" });
    expect(failure?.error.message).toContain(id);
    expect(failure?.error.message).toContain('"b"');
    expect(ran).toBe(0);
    // The run itself is untouched: replay writes nothing.
    expect((await workflows(second).get(id)).status).toBe("completed");
  });

  it("reports a step added, a step removed and another output", async () => {
    const deploy = await journal();
    const first = await deploy([v1]);
    await workflows(first).run(v1, { n: 1 });
    await first.stop();
    const variants = [
      defineWorkflow("sum", io, async (wf, { n }) => {
        const a = await wf.step("a", step(n));
        const b = await wf.step("b", step(2 * n));
        await wf.random();
        return a + b + (await wf.step("c", step(0)));
      }),
      defineWorkflow("sum", io, async (wf, { n }) => wf.step("a", step(n))),
      defineWorkflow("sum", io, async (wf, { n }) => {
        const a = await wf.step("a", step(n));
        const b = await wf.step("b", step(2 * n));
        await wf.random();
        return a * b;
      }),
    ];
    const messages: string[] = [];
    for (const variant of variants) {
      const app = await deploy([variant]);
      const { failures } = await replayAll(app);
      expect(failures.map((f) => f.error.reason)).toEqual(["NONDETERMINISM"]);
      messages.push(failures[0]?.error.message ?? "");
      await app.stop();
    }
    expect(messages[0]).toContain('"c"');
    expect(messages[1]).toContain("without reaching");
    expect(messages[2]).toContain("another output");
  });

  it("accepts code that guards its change with wf.patched", async () => {
    const deploy = await journal();
    const first = await deploy([v1]);
    await workflows(first).run(v1, { n: 3 });
    await first.stop();
    const patched = defineWorkflow("sum", io, async (wf, { n }) => {
      const a = await wf.step("a", step(n));
      const b = wf.patched("triple")
        ? await wf.step("b3", step(3 * n))
        : await wf.step("b", step(2 * n));
      return a + b + (await wf.random()) * 0;
    });
    const second = await deploy([patched]);
    expect(await replayAll(second)).toEqual({ replayed: 1, failures: [] });
    // New runs take the new path, and replay as well.
    expect(await workflows(second).run(patched, { n: 3 })).toBe(12);
    expect(await replayAll(second)).toEqual({ replayed: 2, failures: [] });
  });
});
