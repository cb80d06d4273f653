/** Starting runs: the happy path, idempotent ids, refused input, unknown workflows, step retries. */
import { expect, it } from "vitest";
import { z } from "zod";
import { defineService, invalidArgument, method, unavailable } from "../../core/index.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { replayAll } from "../../testing/replay.js";
import { defineWorkflow } from "../authoring/index.js";
import { type FixtureOf, rejection, untilStatus, wf } from "./harness.js";

const Input = z.object({ n: z.number(), tag: z.string() });

export function basicTests(fx: FixtureOf): void {
  it("completes a run: the output is validated and each step's result is recorded once", async () => {
    const ran = { double: 0, add: 0 };
    const order = defineWorkflow(
      "order",
      { input: Input, output: z.object({ total: z.number(), note: z.string().default("none") }) },
      async (wf, { n }) => {
        const doubled = await wf.step("double", async () => {
          ran.double += 1;
          return n * 2;
        });
        const total = await wf.step("add", async () => {
          ran.add += 1;
          return doubled + 1;
        });
        return { total };
      },
    );
    const app = await fx().start({ workflows: [order] });
    // The output schema's default is applied: callers get the validated value.
    expect(await wf(app).run(order, { n: 3, tag: "a" })).toEqual({ total: 7, note: "none" });
    expect(ran).toEqual({ double: 1, add: 1 });
    const [run] = await wf(app).list();
    const details = await wf(app).get(run?.id ?? "");
    expect(details).toMatchObject({ status: "completed", workflow: "order", version: "1" });
    expect(details.output).toEqual({ total: 7, note: "none" });
    expect(details.input).toEqual({ n: 3, tag: "a" });
    expect(details.steps.map((s) => [s.seq, s.kind, s.name, s.ok, s.output])).toEqual([
      [0, "step", "double", true, 6],
      [1, "step", "add", true, 7],
    ]);
    expect(await replayAll(app)).toEqual({ replayed: 1, failures: [] });
    expect(ran).toEqual({ double: 1, add: 1 });
  });

  it("checkpoints a service call made through wf.client as one step, not made again on replay", async () => {
    const calls: string[] = [];
    const pay = defineService("pay", {
      charge: method({ input: z.object({ amount: z.number() }), output: z.string() }),
    });
    const payImpl = pay.implement({
      async charge(_ctx, { amount }) {
        calls.push(`charge ${amount}`);
        return `ch-${amount}`;
      },
    });
    const clock = createFakeClock();
    const checkout = defineWorkflow(
      "checkout",
      { input: z.object({ amount: z.number() }), output: z.string() },
      async (wf, { amount }) => {
        const charge = await wf.client(pay).charge({ amount });
        await wf.sleep("cool-off", "10s");
        return charge;
      },
    );
    const first = await fx().start({ workflows: [checkout], services: [payImpl] }, { clock });
    const { id } = await wf(first).start(checkout, { amount: 5 });
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const second = await fx().start({ workflows: [checkout], services: [payImpl] }, { clock });
    clock.advance("10s");
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: "ch-5" });
    expect(calls).toEqual(["charge 5"]);
    const steps = (await wf(second).get(id)).steps;
    expect(steps.map((s) => [s.kind, s.name, s.output])).toEqual([
      ["step", "pay.charge", "ch-5"],
      ["sleep", "cool-off", { until: expect.any(Number) }],
    ]);
  });

  it("fails a run whose output breaks the output schema", async () => {
    const bad = defineWorkflow(
      "bad-output",
      { input: z.object({}), output: z.object({ total: z.number() }) },
      async () => ({ total: "seven" }) as never,
    );
    const app = await fx().start({ workflows: [bad] });
    const error = await rejection(wf(app).run(bad, {}), "INTERNAL", "OUTPUT_INVALID");
    expect(error.issues.map((i) => i.path)).toContainEqual(["total"]);
    const [run] = await wf(app).list();
    expect(run?.status).toBe("failed");
  });

  it("treats the run id as an idempotency key: same input, same run", async () => {
    let ran = 0;
    const order = defineWorkflow("order", { input: Input, output: z.number() }, async (wf, { n }) =>
      wf.step("count", async () => {
        ran += 1;
        return n;
      }),
    );
    const app = await fx().start({ workflows: [order] });
    const first = await wf(app).start(order, { n: 1, tag: "x" }, { id: "order-1" });
    expect(first).toEqual({ id: "order-1", created: true });
    await wf(app).result("order-1");
    // Same input (key order does not matter), even after the run ended: the same run.
    expect(await wf(app).start(order, { tag: "x", n: 1 }, { id: "order-1" })).toEqual({
      id: "order-1",
      created: false,
    });
    expect(await wf(app).run(order, { n: 1, tag: "x" }, { id: "order-1" })).toBe(1);
    expect(ran).toBe(1);
    expect(await wf(app).list()).toHaveLength(1);
  });

  it("makes one run of many concurrent starts of one id, across two processes", async () => {
    let ran = 0;
    const order = defineWorkflow("order", { input: Input, output: z.number() }, async (wf, { n }) =>
      wf.step("count", async () => {
        ran += 1;
        return n;
      }),
    );
    const one = await fx().start({ workflows: [order] });
    const two = await fx().start({ workflows: [order] });
    const starts = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        wf(i % 2 === 0 ? one : two).start(order, { n: 5, tag: "c" }, { id: "order-c" }),
      ),
    );
    expect(starts.filter((s) => s.created)).toHaveLength(1);
    expect(new Set(starts.map((s) => s.id))).toEqual(new Set(["order-c"]));
    expect((await wf(one).result("order-c")).status).toBe("completed");
    expect(await wf(two).list()).toHaveLength(1);
    expect(ran).toBe(1);
  });

  it("refuses the same id with another input: ALREADY_EXISTS naming the run", async () => {
    const order = defineWorkflow(
      "order",
      { input: Input, output: z.number() },
      async (_, i) => i.n,
    );
    const app = await fx().start({ workflows: [order] });
    await wf(app).start(order, { n: 1, tag: "x" }, { id: "order-9" });
    const error = await rejection(
      wf(app).start(order, { n: 2, tag: "x" }, { id: "order-9" }),
      "ALREADY_EXISTS",
      "RUN_EXISTS",
    );
    expect(error.message).toContain("order-9");
    expect(error.metadata).toMatchObject({ runId: "order-9" });
    expect(await wf(app).result("order-9")).toMatchObject({ status: "completed", output: 1 });
  });

  it("refuses invalid input with field paths, and stores nothing", async () => {
    const order = defineWorkflow(
      "order",
      { input: Input, output: z.number() },
      async (_, i) => i.n,
    );
    const app = await fx().start({ workflows: [order] });
    const error = await rejection(
      wf(app).start(order, { n: "three", tag: 4 } as never, { id: "bad-1" }),
      "INVALID_ARGUMENT",
    );
    expect(error.issues.map((i) => i.path)).toEqual(expect.arrayContaining([["n"], ["tag"]]));
    await rejection(wf(app).run(order, {} as never), "INVALID_ARGUMENT");
    expect(await wf(app).list()).toEqual([]);
    await rejection(wf(app).get("bad-1"), "NOT_FOUND", "RUN_NOT_FOUND");
  });

  it("refuses a workflow the app does not have: NOT_FOUND", async () => {
    const order = defineWorkflow(
      "order",
      { input: Input, output: z.number() },
      async (_, i) => i.n,
    );
    const stranger = defineWorkflow("stranger", { input: z.object({}), output: z.null() }, () =>
      Promise.resolve(null),
    );
    const app = await fx().start({ workflows: [order] });
    const error = await rejection(wf(app).start(stranger, {}), "NOT_FOUND", "WORKFLOW_NOT_FOUND");
    expect(error.message).toContain("stranger");
    expect(await wf(app).list()).toEqual([]);
  });

  it("retries retryable step errors up to `attempts`, never a non-retryable one", async () => {
    const tries = { flaky: 0, invalid: 0, down: 0, once: 0 };
    const fast = { initial: "1ms", max: "5ms" } as const;
    const retries = defineWorkflow(
      "retries",
      { input: z.object({}), output: z.array(z.string()) },
      async (wf) => {
        const seen: string[] = [];
        const attempt = async (name: string, fn: () => Promise<string>, options = {}) => {
          try {
            seen.push(await wf.step(name, fn, options));
          } catch (e) {
            seen.push(`${name}: ${(e as { code: string }).code}`);
          }
        };
        await attempt(
          "flaky",
          async () => {
            tries.flaky += 1;
            if (tries.flaky < 3) throw new Error("blip");
            return "flaky ok";
          },
          { retry: { attempts: 3, ...fast } },
        );
        await attempt(
          "invalid",
          async () => {
            tries.invalid += 1;
            throw invalidArgument("BAD_PART", "no such part");
          },
          { retry: { attempts: 5, ...fast } },
        );
        await attempt(
          "down",
          async () => {
            tries.down += 1;
            throw unavailable("DOWN", "the supplier is down");
          },
          { retry: { attempts: 2, ...fast } },
        );
        await attempt(
          "once",
          async () => {
            tries.once += 1;
            throw unavailable("DOWN", "the supplier is down");
          },
          { retry: false },
        );
        return seen;
      },
    );
    const app = await fx().start({ workflows: [retries] });
    expect(await wf(app).run(retries, {})).toEqual([
      "flaky ok",
      "invalid: INVALID_ARGUMENT",
      "down: UNAVAILABLE",
      "once: UNAVAILABLE",
    ]);
    expect(tries).toEqual({ flaky: 3, invalid: 1, down: 2, once: 1 });
    const [run] = await wf(app).list();
    const steps = (await wf(app).get(run?.id ?? "")).steps;
    expect(steps.map((s) => [s.name, s.ok, s.attempts, s.error?.reason])).toEqual([
      ["flaky", true, 3, undefined],
      ["invalid", false, 1, "BAD_PART"],
      ["down", false, 2, "DOWN"],
      ["once", false, 1, "DOWN"],
    ]);
  });
}
