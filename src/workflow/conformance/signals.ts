/** Signals: delivered to a waiting run, kept for a run not waiting yet, timing out, refused late. */
import { expect, it } from "vitest";
import { z } from "zod";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import { engineOf, type FixtureOf, gate, rejection, until, untilStatus, wf } from "./harness.js";

const Approval = z.object({ by: z.string() });

export function signalTests(fx: FixtureOf): void {
  it("delivers a signal to a run waiting in wf.signal", async () => {
    let after = 0;
    const approval = defineWorkflow(
      "approval",
      { input: z.object({}), output: z.string() },
      async (wf) => {
        const { by } = await wf.signal("approved", { schema: Approval });
        await wf.step("after", async () => {
          after += 1;
        });
        return by;
      },
    );
    const app = await fx().start({ workflows: [approval] });
    const { id } = await wf(app).start(approval, {});
    await untilStatus(app, id, "sleeping");
    await until(() => engineOf(app).running === 0, "the waiting run to leave memory");
    await wf(app).signal(id, "approved", { by: "ada" });
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "ada" });
    expect(after).toBe(1);
    const steps = (await wf(app).get(id)).steps;
    expect(steps.map((s) => [s.kind, s.name, s.output])).toEqual([
      ["signal-wait", "approved", { until: null }],
      ["signal", "approved", { by: "ada" }],
      ["step", "after", undefined],
    ]);
  });

  it("keeps signals sent before the run waits, and hands them out in order", async () => {
    const busy = gate();
    const collect = defineWorkflow(
      "collect",
      { input: z.object({}), output: z.array(z.number()) },
      async (wf) => {
        await wf.step("busy", () => busy.promise);
        const a = (await wf.signal("n")) as number;
        const b = (await wf.signal("n")) as number;
        return [a, b];
      },
    );
    const app = await fx().start({ workflows: [collect] });
    const { id } = await wf(app).start(collect, {});
    await wf(app).signal(id, "n", 1);
    await wf(app).signal(id, "n", 2);
    await wf(app).signal(id, "other", 3);
    busy.open();
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: [1, 2] });
  });

  it("replays a signal that came without a payload", async () => {
    const clock = createFakeClock();
    let after = 0;
    const go = defineWorkflow("go", { input: z.object({}), output: z.string() }, async (wf) => {
      const payload = await wf.signal("go");
      await wf.sleep("nap", "1h");
      await wf.step("after", async () => {
        after += 1;
      });
      return String(payload);
    });
    const first = await fx().start({ workflows: [go] }, { clock });
    const { id } = await wf(first).start(go, {});
    await untilStatus(first, id, "sleeping");
    await wf(first).signal(id, "go");
    await until(async () => (await wf(first).get(id)).steps.at(-1)?.name === "nap", "the nap");
    await first.stop();
    const second = await fx().start({ workflows: [go] }, { clock });
    clock.advance("1h");
    expect(await wf(second).result(id, { timeout: "5s" })).toMatchObject({
      status: "completed",
      output: "undefined",
    });
    expect(after).toBe(1);
  });

  it("validates a signal's payload with its schema on replay too", async () => {
    const clock = createFakeClock();
    const seen: unknown[] = [];
    const Name = z.string().transform((s) => s.toUpperCase());
    const greet = defineWorkflow(
      "greet",
      { input: z.object({}), output: z.string() },
      async (wf) => {
        const name = await wf.signal("name", { schema: Name });
        seen.push(name);
        await wf.sleep("nap", "1h");
        return name;
      },
    );
    const first = await fx().start({ workflows: [greet] }, { clock });
    const { id } = await wf(first).start(greet, {});
    await untilStatus(first, id, "sleeping");
    await wf(first).signal(id, "name", "ada");
    await until(async () => (await wf(first).get(id)).steps.at(-1)?.name === "nap", "the nap");
    await first.stop();
    const second = await fx().start({ workflows: [greet] }, { clock });
    clock.advance("1h");
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: "ADA" });
    expect(seen).toEqual(["ADA", "ADA"]);
  });

  it("cancels a run waiting for a signal", async () => {
    const approval = defineWorkflow(
      "approval",
      { input: z.object({}), output: z.unknown() },
      async (wf) => wf.signal("approved"),
    );
    const app = await fx().start({ workflows: [approval] });
    const { id } = await wf(app).start(approval, {});
    await untilStatus(app, id, "sleeping");
    await wf(app).cancel(id);
    expect(await wf(app).result(id, { timeout: "5s" })).toMatchObject({
      status: "cancelled",
      error: { code: "CANCELLED" },
    });
    await rejection(wf(app).signal(id, "approved", {}), "FAILED_PRECONDITION", "RUN_FINISHED");
  });

  it("throws DEADLINE_EXCEEDED SIGNAL_TIMEOUT in the workflow when no signal comes in time", async () => {
    const clock = createFakeClock();
    const approval = defineWorkflow(
      "approval",
      { input: z.object({}), output: z.string() },
      async (wf) => {
        try {
          await wf.signal("approved", { timeout: "1h" });
          return "approved";
        } catch (e) {
          const error = e as { code: string; reason: string };
          return `${error.code} ${error.reason}`;
        }
      },
    );
    const app = await fx().start({ workflows: [approval] }, { clock });
    const { id } = await wf(app).start(approval, {});
    await untilStatus(app, id, "sleeping");
    clock.advance("30m");
    await new Promise((r) => setTimeout(r, 300));
    expect((await wf(app).get(id)).status).toBe("sleeping");
    clock.advance("30m");
    expect(await wf(app).result(id)).toMatchObject({
      status: "completed",
      output: "DEADLINE_EXCEEDED SIGNAL_TIMEOUT",
    });
  });

  it("refuses a signal to a finished run (FAILED_PRECONDITION) or an unknown one (NOT_FOUND)", async () => {
    const quick = defineWorkflow(
      "quick",
      { input: z.object({}), output: z.number() },
      async () => 1,
    );
    const app = await fx().start({ workflows: [quick] });
    const { id } = await wf(app).start(quick, {});
    await wf(app).result(id);
    const error = await rejection(
      wf(app).signal(id, "late", {}),
      "FAILED_PRECONDITION",
      "RUN_FINISHED",
    );
    expect(error.message).toContain(id);
    await rejection(wf(app).signal("no-such-run", "x", {}), "NOT_FOUND", "RUN_NOT_FOUND");
  });
}
