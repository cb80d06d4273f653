/**
 * A run started from a handler remembers who started it: its steps' calls continue the handler's
 * trace and are made as the handler's service (so traces and the topology show who called whom),
 * even when another process executes the run.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, type FinishedSpan, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import { workflows } from "./client.js";

const stock = defineService("stock", {
  reserve: method({ input: z.object({ n: z.number() }), output: z.number() }),
});
const stockImpl = stock.implement({ reserve: async (_ctx, { n }) => n * 10 });

const reserve = defineWorkflow(
  "reserve",
  { input: z.object({ n: z.number() }), output: z.number() },
  async (wf, { n }) => wf.step("reserve-stock", (step) => step.client(stock).reserve({ n })),
);

const orders = defineService("orders", {
  place: method({
    input: z.object({ n: z.number() }),
    output: z.object({ trace: z.string(), reserved: z.number() }),
  }),
});
const ordersImpl = orders.implement({
  async place(ctx, { n }) {
    const reserved = await workflows(ctx).run(reserve, { n });
    return { trace: ctx.trace.traceId, reserved };
  },
});

describe("a run started from a handler", () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("continues the handler's trace, and its step calls are the handler's service's", async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-wf-origin-"));
    const spans: FinishedSpan[] = [];
    const app = createApp(
      defineApp({
        name: uniqueName("origin"),
        services: [ordersImpl, stockImpl],
        workflows: [reserve],
      }),
      {
        env: {},
        config: { dataDir: dir, logLevel: "silent" },
        observer: { onSpan: (s) => spans.push(s) },
      },
    );
    await app.start();
    try {
      const { trace, reserved } = await app.client(orders).place({ n: 4 });
      expect(reserved).toBe(40);
      const call = spans.find(
        (s) => s.kind === "client" && s.service === "stock" && s.method === "reserve",
      );
      expect(call?.traceId).toBe(trace);
      expect(call?.caller).toBe("orders");
      const step = spans.find((s) => s.kind === "internal" && s.method === "step reserve-stock");
      expect(step?.service).toBe("orders");
      expect(step?.traceId).toBe(trace);
      expect(call?.parentSpanId).toBe(step?.spanId);
    } finally {
      await app.stop({ grace: "2s" });
    }
  });
});
