/**
 * Starting a run inside a handler's transaction: the run exists iff the transaction commits, and
 * the run executes outside that transaction (its journal writes never land in, or fail with, the
 * caller's transaction).
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { STORE } from "../store/extension.js";
import { sql } from "../store/index.js";
import { dropAppSchema } from "../testing/app-schema.js";
import { TEST_SERVERS, unreachable } from "../testing/services.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import { workflows } from "./client.js";

const work = defineWorkflow(
  "work",
  { input: z.object({ n: z.number() }), output: z.number() },
  async (wf, { n }) => {
    const a = await wf.step("one", async () => n + 1);
    await wf.sleep("pause", "20ms");
    return wf.step("two", async () => a * 2);
  },
);

const orders = defineService("orders", {
  place: method({ input: z.object({ n: z.number(), fail: z.boolean() }), output: z.string() }),
});

const skipPg = await unreachable("postgres");
const PG = `postgres://postgres@${TEST_SERVERS.postgres.host}:${TEST_SERVERS.postgres.port}/test`;

describe.each([
  { store: "sqlite", skip: false },
  { store: "postgres", skip: skipPg },
])("starting a workflow inside ctx.tx ($store)", ({ store, skip }) => {
  let dir: string;
  let stop: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)(
    "creates the run iff the transaction commits, and runs it to completion outside it",
    async () => {
      dir = await mkdtemp(join(tmpdir(), "weft-wf-tx-"));
      const impl = orders.implement({
        async place(ctx, { n, fail }) {
          return ctx.tx(async (tx) => {
            await tx.execute(sql`insert into wf_orders (n) values (${n})`);
            const { id } = await workflows(ctx).start(work, { n }, { id: `order-${n}` });
            if (fail) throw new Error("rolled back after starting");
            return id;
          });
        },
      });
      const name = uniqueName("wftx");
      const app = createApp(defineApp({ name, services: [impl], workflows: [work] }), {
        env: {},
        config: {
          dataDir: dir,
          logLevel: "silent",
          ...(store === "postgres" ? { databaseUrl: PG } : {}),
        },
        workflow: { pollMs: 50 },
      });
      await app.start();
      stop = async () => {
        await app.stop({ grace: "2s" });
        if (store !== "postgres") return;
        await dropAppSchema(PG, name);
      };
      await app.use(STORE).execute(sql`create table wf_orders (n integer)`);
      const client = app.client(orders);
      await expect(client.place({ n: 1, fail: true })).rejects.toThrow();
      const id = await client.place({ n: 2, fail: false });
      const outcome = await workflows(app).result(id, { timeout: "10s" });
      expect(outcome.error?.message ?? "").toBe("");
      expect(outcome.status).toBe("completed");
      expect(outcome.output).toBe(6);
      await expect(workflows(app).get("order-1")).rejects.toMatchObject({ code: "NOT_FOUND" });
    },
  );
});
