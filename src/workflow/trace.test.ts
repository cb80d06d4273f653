/**
 * A run continues the trace of the call that started it all the way through: an event published
 * inside a `wf.step` carries the run's trace (as one published by a plain handler does), and
 * steps before and after a durable sleep both record spans in that trace.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, type FinishedSpan, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { subscribe } from "../events/subscribe.js";
import { defineTopic } from "../events/topic.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import { workflows } from "./client.js";

const stock = defineService("stock", {
  reserve: method({ input: z.object({ n: z.number() }), output: z.number() }),
});
const stockImpl = stock.implement({ reserve: async (_ctx, { n }) => n * 10 });
const reserved = defineTopic("stock.reserved", z.object({ n: z.number() }));

const reserve = defineWorkflow(
  "reserve",
  { input: z.object({ n: z.number() }), output: z.number() },
  async (wf, { n }) => {
    const first = await wf.step("reserve-stock", async (step) => {
      await step.publish(reserved, { n });
      return step.client(stock).reserve({ n });
    });
    await wf.sleep("pause", "30ms");
    const second = await wf.step("reserve-more", (step) => step.client(stock).reserve({ n }));
    return first + second;
  },
);

const orders = defineService("orders", {
  place: method({
    input: z.object({ n: z.number() }),
    output: z.object({ trace: z.string(), reserved: z.number() }),
  }),
});
const ordersImpl = orders.implement({
  async place(ctx, { n }) {
    const total = await workflows(ctx).run(reserve, { n });
    return { trace: ctx.trace.traceId, reserved: total };
  },
});

describe("a run's trace", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is continued by events published in steps, and by steps after a sleep", async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-wf-trace-"));
    const spans: FinishedSpan[] = [];
    const heard: string[] = [];
    const mailer = defineService("mailer", {}).implement(
      {},
      {
        subscriptions: [
          subscribe(reserved, async (ctx) => {
            heard.push(ctx.trace.traceId);
          }),
        ],
      },
    );
    const app = createApp(
      defineApp({
        name: uniqueName("wftrace"),
        services: [ordersImpl, stockImpl, mailer],
        workflows: [reserve],
        topics: [reserved],
      }),
      {
        env: {},
        config: { dataDir: dir, logLevel: "silent" },
        observer: { onSpan: (s) => spans.push(s) },
        workflow: { pollMs: 50 },
      },
    );
    await app.start();
    try {
      const { trace, reserved: total } = await app.client(orders).place({ n: 4 });
      expect(total).toBe(80);
      const deadline = Date.now() + 10_000;
      while (heard.length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      for (const name of ["step reserve-stock", "step reserve-more"]) {
        const step = spans.find((s) => s.kind === "internal" && s.method === name);
        expect(step, name).toBeDefined();
        expect(step?.traceId, name).toBe(trace);
      }
      expect(heard).toEqual([trace]);
    } finally {
      await app.stop({ grace: "2s" });
    }
  });
});
