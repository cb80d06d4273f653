/** The operator's side: list filters, step history, retry from a step, retention cleanup. */
import { expect, it } from "vitest";
import { z } from "zod";
import { unavailable } from "../../core/index.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import { type FixtureOf, rejection, untilStatus, wf } from "./harness.js";

const none = z.object({});

export function managementTests(fx: FixtureOf): void {
  it("lists runs newest first, by status, workflow, version and creation time", async () => {
    const clock = createFakeClock();
    const quick = defineWorkflow("quick", { input: none, output: z.number() }, async () => 1);
    const slow = defineWorkflow("slow", { input: none, output: z.number() }, async (wf) => {
      await wf.sleep("nap", "1d");
      return 2;
    });
    const broken = defineWorkflow("broken", { input: none, output: z.number() }, async (wf) =>
      wf.step(
        "boom",
        async () => {
          throw unavailable("DOWN", "down");
        },
        { retry: false },
      ),
    );
    const app = await fx().start({ workflows: [quick, slow, broken] }, { clock });
    const t0 = clock.now();
    const a = (await wf(app).start(quick, {})).id;
    await wf(app).result(a);
    clock.advance("1m");
    const b = (await wf(app).start(slow, {})).id;
    await untilStatus(app, b, "sleeping");
    clock.advance("1m");
    const c = (await wf(app).start(broken, {})).id;
    await wf(app).result(c);
    const ids = async (filter: Parameters<ReturnType<typeof wf>["list"]>[0]) =>
      (await wf(app).list(filter)).map((r) => r.id);

    expect(await ids({})).toEqual([c, b, a]);
    expect(await ids({ status: "completed" })).toEqual([a]);
    expect(await ids({ status: ["sleeping", "failed"] })).toEqual([c, b]);
    expect(await ids({ workflow: "slow" })).toEqual([b]);
    expect(await ids({ workflow: "quick", status: "failed" })).toEqual([]);
    expect(await ids({ from: t0 + 60_000 })).toEqual([c, b]);
    expect(await ids({ to: t0 + 60_000 })).toEqual([a]);
    expect(await ids({ from: t0 + 60_000, to: t0 + 120_000 })).toEqual([b]);
    expect(await ids({ limit: 1 })).toEqual([c]);
    expect(await ids({ version: "1" })).toEqual([c, b, a]);
    const [failed] = await wf(app).list({ status: "failed" });
    expect(failed).toMatchObject({ workflow: "broken", error: { reason: "DOWN" } });
    const error = await rejection(
      wf(app).list({ status: "lost" as never }),
      "INVALID_ARGUMENT",
      "INVALID_FILTER",
    );
    expect(error.issues[0]?.path).toEqual(["status"]);
  });

  it("shows a run's step history with outputs, errors and timings", async () => {
    const clock = createFakeClock();
    const history = defineWorkflow(
      "history",
      { input: z.object({ n: z.number() }), output: z.number() },
      async (wf, { n }) => {
        const x = await wf.step("compute", async () => {
          clock.advance("5s"); // the step "takes" five seconds
          return n * 10;
        });
        try {
          await wf.step(
            "refused",
            async () => {
              throw unavailable("DOWN", "the supplier is down");
            },
            { retry: false },
          );
        } catch {}
        await wf.sleep("nap", "1m");
        return x;
      },
    );
    const app = await fx().start({ workflows: [history] }, { clock });
    const t0 = clock.now();
    const { id } = await wf(app).start(history, { n: 4 });
    await untilStatus(app, id, "sleeping");
    clock.advance("1m");
    await wf(app).result(id);
    const run = await wf(app).get(id);
    expect(run).toMatchObject({
      id,
      workflow: "history",
      status: "completed",
      input: { n: 4 },
      output: 40,
      parentId: undefined,
      error: undefined,
    });
    expect(run.createdAt).toBe(t0);
    expect(run.completedAt).toBeGreaterThanOrEqual(t0 + 65_000);
    expect(run.steps).toEqual([
      {
        seq: 0,
        kind: "step",
        name: "compute",
        ok: true,
        output: 40,
        error: undefined,
        startedAt: t0,
        endedAt: t0 + 5_000,
        attempts: 1,
      },
      expect.objectContaining({
        seq: 1,
        kind: "step",
        name: "refused",
        ok: false,
        output: undefined,
        error: expect.objectContaining({ code: "UNAVAILABLE", reason: "DOWN" }),
        attempts: 1,
      }),
      expect.objectContaining({ seq: 2, kind: "sleep", name: "nap", ok: true }),
    ]);
    expect(run.steps[2]?.output).toEqual({ until: t0 + 5_000 + 60_000 });
  });

  it("retries a run from a step: earlier steps are kept, later ones run again", async () => {
    const ran = { a: 0, b: 0, c: 0 };
    let broken = true;
    const flow = defineWorkflow("flow", { input: none, output: z.string() }, async (wf) => {
      const a = await wf.step("a", async () => `a${++ran.a}`);
      const b = await wf.step(
        "b",
        async () => {
          ran.b += 1;
          if (broken) throw unavailable("DOWN", "down");
          return `b${ran.b}`;
        },
        { retry: false },
      );
      const c = await wf.step("c", async () => `c${++ran.c}`);
      return `${a} ${b} ${c}`;
    });
    const app = await fx().start({ workflows: [flow] });
    const { id } = await wf(app).start(flow, {});
    expect((await wf(app).result(id)).status).toBe("failed");
    broken = false;
    await wf(app).retryFrom(id, "b");
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "a1 b2 c1" });
    // A completed run too: from "c" on.
    await wf(app).retryFrom(id, "c");
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "a1 b2 c2" });
    expect(ran).toEqual({ a: 1, b: 2, c: 2 });
    await rejection(wf(app).retryFrom(id, "nope"), "NOT_FOUND", "STEP_NOT_FOUND");
    await rejection(wf(app).retryFrom("no-run", "a"), "NOT_FOUND", "RUN_NOT_FOUND");
  });

  it("delivers again, on retry from a step, the signals that were consumed after it", async () => {
    const ran = { before: 0, after: 0 };
    const flow = defineWorkflow("flow", { input: none, output: z.string() }, async (wf) => {
      await wf.step("before", async () => ran.before++);
      const go = (await wf.signal("go")) as string;
      return wf.step("after", async () => `${go} ${++ran.after}`);
    });
    const app = await fx().start({ workflows: [flow] });
    const { id } = await wf(app).start(flow, {});
    await untilStatus(app, id, "sleeping");
    await wf(app).signal(id, "go", "yes");
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "yes 1" });
    await wf(app).retryFrom(id, "before");
    expect(await wf(app).result(id, { timeout: "5s" })).toMatchObject({
      status: "completed",
      output: "yes 2",
    });
    expect(ran).toEqual({ before: 2, after: 2 });
  });

  it("refuses to retry a run that is still running", async () => {
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const flow = defineWorkflow("flow", { input: none, output: z.number() }, async (wf) =>
      wf.step("hold", async () => {
        await held;
        return 1;
      }),
    );
    const app = await fx().start({ workflows: [flow] });
    const { id } = await wf(app).start(flow, {});
    await rejection(wf(app).retryFrom(id, "hold"), "FAILED_PRECONDITION", "RUN_ACTIVE");
    release();
    await wf(app).result(id);
  });

  it("cleans up finished runs older than the retention, measured on the engine's clock", async () => {
    const clock = createFakeClock();
    const quick = defineWorkflow("quick", { input: none, output: z.number() }, async () => 1);
    const slow = defineWorkflow("slow", { input: none, output: z.number() }, async (wf) => {
      await wf.sleep("nap", "30d");
      return 2;
    });
    const app = await fx().start({ workflows: [quick, slow] }, { clock });
    const old = (await wf(app).start(quick, {})).id;
    await wf(app).result(old);
    const waiting = (await wf(app).start(slow, {})).id;
    await untilStatus(app, waiting, "sleeping");
    clock.advance("2d");
    const recent = (await wf(app).start(quick, {})).id;
    await wf(app).result(recent);
    expect(await wf(app).cleanup("1d")).toBe(1);
    expect(new Set((await wf(app).list()).map((r) => r.id))).toEqual(new Set([waiting, recent]));
    await rejection(wf(app).get(old), "NOT_FOUND", "RUN_NOT_FOUND");
    expect(await wf(app).cleanup("1d")).toBe(0);
  });
}
