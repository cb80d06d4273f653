/**
 * Deploys with runs in flight: a changed step order is caught on replay (NONDETERMINISM naming
 * the run and the step), and `wf.patched` lets old runs keep their path while new runs take the
 * new one.
 */
import { expect, it } from "vitest";
import { z } from "zod";
import { createFakeClock } from "../../testing/fake-clock.js";
import { replayAll } from "../../testing/replay.js";
import { defineWorkflow } from "../authoring/index.js";
import { type FixtureOf, untilStatus, wf } from "./harness.js";

const io = { input: z.object({}), output: z.array(z.string()) };

export function versionTests(fx: FixtureOf): void {
  it("fails a run replayed with reordered steps: NONDETERMINISM naming the run and step", async () => {
    const clock = createFakeClock();
    const log: string[] = [];
    const step = (name: string) => async () => {
      log.push(name);
      return name;
    };
    const v1 = defineWorkflow("flow", io, async (wf) => {
      const a = await wf.step("a", step("a"), { compensate: async () => log.push("undo a") });
      const b = await wf.step("b", step("b"));
      await wf.sleep("nap", "1h");
      return [a, b, await wf.step("c", step("c"))];
    });
    const v2 = defineWorkflow("flow", io, async (wf) => {
      const b = await wf.step("b", step("b"));
      const a = await wf.step("a", step("a"), { compensate: async () => log.push("undo a") });
      await wf.sleep("nap", "1h");
      return [a, b, await wf.step("c", step("c"))];
    });
    const first = await fx().start({ workflows: [v1] }, { clock });
    const { id } = await wf(first).start(v1, {});
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const second = await fx().start({ workflows: [v2] }, { clock });
    clock.advance("1h");
    const outcome = await wf(second).result(id);
    expect(outcome).toMatchObject({
      status: "failed",
      error: { code: "FAILED_PRECONDITION", reason: "NONDETERMINISM" },
    });
    expect(outcome.error?.message).toContain(id);
    expect(outcome.error?.message).toContain('step #0 is step "a"');
    expect(outcome.error?.message).toContain('asks for step "b"');
    // Nothing ran under the changed code, and the untrusted code's compensations did not run.
    expect(log).toEqual(["a", "b"]);
    const details = await wf(second).get(id);
    expect(details.error?.reason).toBe("NONDETERMINISM");
    expect(details.steps.map((s) => s.name)).toEqual(["a", "b", "nap"]);
  });

  it("fails a run whose code now ends before steps it recorded", async () => {
    const clock = createFakeClock();
    const v1 = defineWorkflow("flow", io, async (wf) => {
      await wf.step("a", async () => "a");
      await wf.sleep("nap", "1h");
      return ["v1"];
    });
    const v2 = defineWorkflow("flow", io, async () => ["v2"]);
    const first = await fx().start({ workflows: [v1] }, { clock });
    const { id } = await wf(first).start(v1, {});
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const second = await fx().start({ workflows: [v2] }, { clock });
    clock.advance("1h");
    const outcome = await wf(second).result(id);
    expect(outcome).toMatchObject({ status: "failed", error: { reason: "NONDETERMINISM" } });
    expect(outcome.error?.message).toContain(id);
    expect(outcome.error?.message).toContain('"a"');
  });

  it("lets an in-flight run keep its path with wf.patched, while new runs take the new one", async () => {
    const clock = createFakeClock();
    const v1 = defineWorkflow("flow", io, async (wf) => {
      const path = [await wf.step("charge", async () => "charge")];
      await wf.sleep("nap", "1h");
      path.push(await wf.step("ship", async () => "ship"));
      return path;
    });
    const v2 = defineWorkflow("flow", { ...io, version: "2" }, async (wf) => {
      const path: string[] = [];
      // Changed before the point in-flight runs reached: they passed it on the old path.
      if (wf.patched("charge-with-tax")) path.push(await wf.step("charge-tax", async () => "tax"));
      else path.push(await wf.step("charge", async () => "charge"));
      await wf.sleep("nap", "1h");
      // Changed after that point: runs that reach it with this code take the new path.
      if (wf.patched("ship-express")) path.push(await wf.step("express", async () => "express"));
      else path.push(await wf.step("ship", async () => "ship"));
      return path;
    });
    const first = await fx().start({ workflows: [v1] }, { clock });
    const { id: old } = await wf(first).start(v1, {});
    await untilStatus(first, old, "sleeping");
    await first.stop();

    const second = await fx().start({ workflows: [v2] }, { clock });
    const { id: fresh } = await wf(second).start(v2, {});
    await untilStatus(second, fresh, "sleeping");
    clock.advance("1h");
    expect(await wf(second).result(old)).toMatchObject({
      status: "completed",
      output: ["charge", "express"],
    });
    expect(await wf(second).result(fresh)).toMatchObject({
      status: "completed",
      output: ["tax", "express"],
    });
    const oldSteps = (await wf(second).get(old)).steps;
    expect(oldSteps.map((s) => [s.kind, s.name])).toEqual([
      ["step", "charge"],
      ["sleep", "nap"],
      ["patch", "ship-express"],
      ["step", "express"],
    ]);
    expect((await wf(second).list({ version: "1" })).map((r) => r.id)).toEqual([old]);
    expect((await wf(second).list({ version: "2" })).map((r) => r.id)).toEqual([fresh]);
    // Forced replay of both with the patched code: each takes its recorded path again.
    expect(await replayAll(second)).toEqual({ replayed: 2, failures: [] });
  });

  it("replays a patched run with the patched code, and refuses it to code without the patch", async () => {
    const clock = createFakeClock();
    const v2 = defineWorkflow("flow", { ...io, version: "2" }, async (wf) => {
      const path: string[] = [];
      if (wf.patched("p")) path.push(await wf.step("new", async () => "new"));
      else path.push(await wf.step("old", async () => "old"));
      await wf.sleep("nap", "1h");
      return path;
    });
    const v1 = defineWorkflow("flow", io, async (wf) => {
      const path = [await wf.step("old", async () => "old")];
      await wf.sleep("nap", "1h");
      return path;
    });
    const first = await fx().start({ workflows: [v2] }, { clock });
    const { id: a } = await wf(first).start(v2, {});
    const { id: b } = await wf(first).start(v2, {}, { id: "rolled-back" });
    await untilStatus(first, a, "sleeping");
    await untilStatus(first, b, "sleeping");
    await first.stop();
    // The same code after a restart takes the recorded branch.
    const second = await fx().start({ workflows: [v2] }, { clock });
    await wf(second).retryFrom(b, "nap"); // keeps b's patch marker, sleeps it again
    await untilStatus(second, b, "sleeping");
    clock.advance("1h");
    expect(await wf(second).result(a)).toMatchObject({ status: "completed", output: ["new"] });
    expect(await wf(second).result(b)).toMatchObject({ status: "completed", output: ["new"] });
    await second.stop();
    // A rollback to code without the patch cannot replay a run that took it: a clear failure.
    const third = await fx().start({ workflows: [v1] }, { clock });
    await wf(third).retryFrom(b, "nap");
    expect(await wf(third).result(b)).toMatchObject({
      status: "failed",
      error: { reason: "NONDETERMINISM" },
    });
  });
}
