/** Child workflows: the parent waits for the output, a failure surfaces, one child per call. */
import { expect, it } from "vitest";
import { z } from "zod";
import { failedPrecondition } from "../../core/index.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import type { AnyWorkflow } from "../authoring/types.js";
import { type FixtureOf, until, untilStatus, wf } from "./harness.js";

const Job = z.object({ n: z.number(), fail: z.boolean() });

function family(ran: { child: number; parent: number }) {
  const child = defineWorkflow(
    "child",
    { input: Job, output: z.object({ doubled: z.number() }) },
    async (wf, { n, fail }) => {
      await wf.step(
        "work",
        async () => {
          ran.child += 1;
          if (fail) throw failedPrecondition("CHILD_BROKE", `child of ${n} broke`);
        },
        { retry: false },
      );
      return { doubled: n * 2 };
    },
  );
  const parent = defineWorkflow("parent", { input: Job, output: z.number() }, async (wf, job) => {
    const { doubled } = await wf.child(child, job);
    await wf.sleep("rest", "1h");
    return wf.step("finish", async () => {
      ran.parent += 1;
      return doubled + 1;
    });
  });
  return { child, parent };
}

export function childTests(fx: FixtureOf): void {
  it("waits for a child's output; the child's id stays the same across replays", async () => {
    const clock = createFakeClock();
    const ran = { child: 0, parent: 0 };
    const { child, parent } = family(ran);
    const first = await fx().start({ workflows: [parent, child] }, { clock });
    const { id } = await wf(first).start(parent, { n: 4, fail: false });
    await until(async () => {
      const details = await wf(first).get(id);
      return details.status === "sleeping" && details.steps.at(-1)?.name === "rest";
    }, "the parent to sleep in rest, after its child ended");
    await first.stop();
    // A restart replays the parent from its journal: the child is not started again.
    const second = await fx().start({ workflows: [parent, child] }, { clock });
    clock.advance("1h");
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: 9 });
    expect(ran).toEqual({ child: 1, parent: 1 });
    const children = await wf(second).list({ workflow: "child" });
    expect(children).toHaveLength(1);
    expect(children[0]).toMatchObject({ parentId: id, status: "completed" });
    const steps = (await wf(second).get(id)).steps;
    expect(steps.map((s) => [s.kind, s.name])).toEqual([
      ["child-start", "child"],
      ["child", "child"],
      ["sleep", "rest"],
      ["step", "finish"],
    ]);
    expect(steps[0]?.output).toEqual({ childId: children[0]?.id });
  });

  it("surfaces a failing child's error in the parent", async () => {
    const ran = { child: 0, parent: 0 };
    const { child, parent } = family(ran);
    const app = await fx().start({ workflows: [parent, child] });
    const { id } = await wf(app).start(parent, { n: 1, fail: true });
    const outcome = await wf(app).result(id);
    expect(outcome).toMatchObject({
      status: "failed",
      error: { code: "FAILED_PRECONDITION", reason: "CHILD_BROKE" },
    });
    expect(outcome.error?.message).toContain("child of 1 broke");
    const [kid] = await wf(app).list({ workflow: "child" });
    expect(kid).toMatchObject({ status: "failed", parentId: id });
    expect(ran).toEqual({ child: 1, parent: 0 });
  });

  it("starts a child under the id it is given, once", async () => {
    const child = defineWorkflow("child", { input: Job, output: z.number() }, async (_, j) => j.n);
    const parent = defineWorkflow(
      "parent",
      { input: z.object({}), output: z.array(z.number()) },
      async (wf) => [
        await wf.child(child, { n: 1, fail: false }, { id: "kid-1" }),
        await wf.child(child, { n: 1, fail: false }, { id: "kid-1" }),
      ],
    );
    const app = await fx().start({ workflows: [parent, child] });
    expect(await wf(app).run(parent, {})).toEqual([1, 1]);
    expect((await wf(app).list({ workflow: "child" })).map((r) => r.id)).toEqual(["kid-1"]);
  });

  it("completes many parents whose children end while they suspend", async () => {
    const child = defineWorkflow("child", { input: Job, output: z.number() }, async (_, j) => j.n);
    const parent = defineWorkflow(
      "parent",
      { input: z.object({ n: z.number() }), output: z.number() },
      async (wf, { n }) =>
        (await wf.child(child, { n, fail: false })) +
        (await wf.child(child, { n: n + 1, fail: false })),
    );
    // No polling to fall back on: a run woken while its execution ends must not be dropped.
    const app = await fx().start({ workflows: [parent, child] }, { pollMs: 60_000 });
    const runs = Array.from({ length: 200 }, (_, n) => n);
    const ids = await Promise.all(runs.map(async (n) => (await wf(app).start(parent, { n })).id));
    // A bound, not a speed: 600 runs take seconds alone and much longer on a busy machine.
    const outcomes = await Promise.all(ids.map((id) => wf(app).result(id, { timeout: "90s" })));
    expect(outcomes.map((o) => o.output)).toEqual(runs.map((n) => 2 * n + 1));
  }, 120_000);

  it("cancelling a parent cancels its waiting children and grandchildren; each compensates", async () => {
    const clock = createFakeClock();
    const log: string[] = [];
    const Empty = z.object({});
    const holder = (name: string, below?: AnyWorkflow) =>
      defineWorkflow(name, { input: Empty, output: z.string() }, async (wf) => {
        await wf.step(`reserve-${name}`, async () => log.push(`reserve ${name}`), {
          compensate: async () => log.push(`release ${name}`),
        });
        if (below === undefined) await wf.sleep("wait", "1h");
        else await wf.child(below, {});
        await wf.step(`after-${name}`, async () => log.push(`after ${name}`));
        return name;
      });
    const grandchild = holder("grandchild");
    const child = holder("child", grandchild);
    const parent = holder("parent", child);
    const app = await fx().start({ workflows: [parent, child, grandchild] }, { clock });
    const { id } = await wf(app).start(parent, {});
    await until(
      async () => (await wf(app).list({ workflow: "grandchild", status: "sleeping" })).length === 1,
      "the grandchild to sleep",
    );
    await untilStatus(app, id, "sleeping");
    await wf(app).cancel(id);
    expect(await wf(app).result(id)).toMatchObject({
      status: "cancelled",
      error: { code: "CANCELLED" },
    });
    for (const name of ["child", "grandchild"]) {
      const [run] = await wf(app).list({ workflow: name });
      expect(run).toBeDefined();
      const outcome = await wf(app).result(run?.id as string);
      expect(outcome, name).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
    }
    expect([...log].sort()).toEqual(
      ["parent", "child", "grandchild"].flatMap((n) => [`release ${n}`, `reserve ${n}`]).sort(),
    );
    // Time passing wakes none of them.
    clock.advance("2h");
    await new Promise((r) => setTimeout(r, 300));
    expect(log.some((line) => line.startsWith("after"))).toBe(false);
  });
}
