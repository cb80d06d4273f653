/** Durable timers: sleeping runs leave memory, wake on time, survive restarts, fire once. */
import { expect, it } from "vitest";
import { z } from "zod";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import { engineOf, type FixtureOf, gate, until, untilStatus, wf } from "./harness.js";

/** before → sleep → after, counting how often each step's code ran. */
function napWorkflow(ran: { before: number; after: number }, duration: string) {
  return defineWorkflow("nap", { input: z.object({}), output: z.string() }, async (wf) => {
    await wf.step("before", async () => {
      ran.before += 1;
    });
    await wf.sleep("nap", duration as "1h");
    return wf.step("after", async () => {
      ran.after += 1;
      return "rested";
    });
  });
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function timerTests(fx: FixtureOf): void {
  it("unloads a sleeping run and completes it once the (fake) time comes", async () => {
    const clock = createFakeClock();
    const ran = { before: 0, after: 0 };
    const nap = napWorkflow(ran, "1h");
    const app = await fx().start({ workflows: [nap] }, { clock });
    const started = clock.now();
    const { id } = await wf(app).start(nap, {});
    const sleeping = await untilStatus(app, id, "sleeping");
    expect(sleeping.wakeAt).toBe(started + 3_600_000);
    await until(() => engineOf(app).running === 0, "the engine to hold no execution");
    clock.advance("59m");
    await pause(300); // more than a poll: nothing is due yet
    expect((await wf(app).get(id)).status).toBe("sleeping");
    expect(ran).toEqual({ before: 1, after: 0 });
    clock.advance("1m");
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "rested" });
    expect(ran).toEqual({ before: 1, after: 1 });
  });

  it("keeps a timer across a restart (fake clock)", async () => {
    const clock = createFakeClock();
    const ran = { before: 0, after: 0 };
    const nap = napWorkflow(ran, "1h");
    const first = await fx().start({ workflows: [nap] }, { clock });
    const { id } = await wf(first).start(nap, {});
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const second = await fx().start({ workflows: [nap] }, { clock });
    clock.advance("1h");
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: "rested" });
    expect(ran).toEqual({ before: 1, after: 1 });
  });

  it("keeps a timer across a restart (real time)", async () => {
    // The process must stop while the run sleeps: on a busy machine the nap may end first, so
    // the scenario is driven until it happened (a run whose nap outlived its process), at most
    // five times, each with a run of its own (counted by run id).
    const ran = new Map<string, { before: number; after: number }>();
    const count = (id: string) => {
      const counts = ran.get(id) ?? { before: 0, after: 0 };
      ran.set(id, counts);
      return counts;
    };
    const nap = defineWorkflow("nap", { input: z.object({}), output: z.string() }, async (wf) => {
      await wf.step("before", async () => {
        count(wf.runId).before += 1;
      });
      await wf.sleep("nap", "1s");
      return wf.step("after", async () => {
        count(wf.runId).after += 1;
        return "rested";
      });
    });
    let id: string | undefined;
    let startedAt = 0;
    for (let attempt = 1; id === undefined; attempt++) {
      const first = await fx().start({ workflows: [nap] });
      startedAt = Date.now();
      const run = await wf(first).start(nap, {}, { id: `nap-${attempt}` });
      await untilStatus(first, run.id, "sleeping", 30_000).catch(() => {});
      await first.stop();
      const counts = count(run.id);
      if (counts.before === 1 && counts.after === 0) id = run.id;
      else if (attempt === 5) throw new Error("the nap ended before its process stopped, 5 times");
    }
    const second = await fx().start({ workflows: [nap] });
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: "rested" });
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
    expect(ran.get(id)).toEqual({ before: 1, after: 1 });
  }, 120_000);

  it("fires a timer once when the clock jumps, with two workers nudged at once", async () => {
    const clock = createFakeClock();
    const ran = { before: 0, after: 0 };
    const nap = napWorkflow(ran, "1h");
    const one = await fx().start({ workflows: [nap] }, { clock });
    const two = await fx().start({ workflows: [nap] }, { clock });
    const { id } = await wf(one).start(nap, {});
    await untilStatus(one, id, "sleeping");
    clock.advance("1d"); // far past the wake time: both workers look at once
    expect(await wf(two).result(id)).toMatchObject({ status: "completed", output: "rested" });
    clock.advance("30d");
    await pause(300);
    expect(ran).toEqual({ before: 1, after: 1 });
    const steps = (await wf(two).get(id)).steps;
    expect(steps.map((s) => s.name)).toEqual(["before", "nap", "after"]);
  });

  it("does not run the step after a sleep again when the clock jumps while it runs", async () => {
    const clock = createFakeClock();
    let after = 0;
    const slow = gate();
    const nap = defineWorkflow("nap", { input: z.object({}), output: z.string() }, async (wf) => {
      await wf.sleep("nap", "1h");
      return wf.step("after", async () => {
        after += 1;
        await slow.promise;
        return "rested";
      });
    });
    const app = await fx().start({ workflows: [nap] }, { clock });
    const { id } = await wf(app).start(nap, {});
    await untilStatus(app, id, "sleeping");
    clock.advance("1h");
    await until(() => after === 1, "the step after the sleep to start");
    // Past the lease: the worker sees its own run as lapsed and claims it again.
    clock.advance("30d");
    await pause(300);
    slow.open();
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: "rested" });
    clock.advance("30d");
    await pause(300);
    expect(after).toBe(1);
  });
}
