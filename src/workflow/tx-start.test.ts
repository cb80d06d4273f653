/**
 * Starting a run with `tx.start`: the run exists iff the transaction commits, and it executes
 * outside that transaction (its journal writes never land in, or fail with, the caller's
 * transaction); the run id stays the idempotency key. `workflows(ctx).start` inside `ctx.tx` is
 * refused naming `tx.start`, and an engine tick started while a `ctx.tx` is open keeps its writes
 * when that transaction rolls back. Both stores.
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
import { WORKFLOW_ENGINE } from "./extension.js";

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
  again: method({ input: z.object({ id: z.string(), n: z.number() }), output: z.string() }),
  startInTx: method({ input: z.object({ n: z.number() }), output: z.string() }),
  rollBack: method({ input: z.object({ n: z.number() }), output: z.null() }),
});

/** What `rollBack` does while its transaction is open. */
let background: () => void = () => {};

const skipPg = await unreachable("postgres");
const PG = `postgres://postgres@${TEST_SERVERS.postgres.host}:${TEST_SERVERS.postgres.port}/test`;

describe.each([
  { store: "sqlite", skip: false },
  { store: "postgres", skip: skipPg },
])("starting a workflow with tx.start ($store)", ({ store, skip }) => {
  let dir: string | undefined;
  let stop: (() => Promise<unknown>) | undefined;
  afterEach(async () => {
    background = () => {};
    await stop?.();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)(
    "creates the run iff the transaction commits, and runs it to completion outside it",
    async () => {
      const { app } = await startApp();
      const client = app.client(orders);
      await expect(client.place({ n: 1, fail: true })).rejects.toThrow();
      const id = await client.place({ n: 2, fail: false });
      const outcome = await workflows(app).result(id, { timeout: "10s" });
      expect(outcome.error?.message ?? "").toBe("");
      expect(outcome.status).toBe("completed");
      expect(outcome.output).toBe(6);
      await expect(workflows(app).get("order-1")).rejects.toMatchObject({ code: "NOT_FOUND" });
      await expect(workflows(app).get("inner-2")).rejects.toMatchObject({ code: "NOT_FOUND" });
      const rows = await app.use(STORE).query<{ n: number }>(sql`select n from wf_orders`);
      expect(rows.map((r) => Number(r.n))).toEqual([2]);
      // The run id is the idempotency key, in a transaction too.
      expect(await client.again({ id: "order-2", n: 2 })).toBe("order-2 false");
      await expect(client.again({ id: "order-2", n: 3 })).rejects.toMatchObject({
        code: "ALREADY_EXISTS",
      });
    },
  );

  it.skipIf(skip)("refuses workflows(ctx).start inside ctx.tx, naming tx.start", async () => {
    const { app } = await startApp();
    const said = await app.client(orders).startInTx({ n: 5 });
    expect(said).toMatch(/^FAILED_PRECONDITION START_IN_TX .*tx\.start/);
    await expect(workflows(app).get("refused-5")).rejects.toMatchObject({ code: "NOT_FOUND" });
  });

  it.skipIf(skip)(
    "keeps the writes of an engine tick started while a ctx.tx is open when it rolls back",
    async () => {
      const { app } = await startApp();
      const engine = app.use(WORKFLOW_ENGINE);
      let started: Promise<unknown> | undefined;
      background = () => {
        // Not awaited in the transaction: on SQLite it waits for the transaction's end.
        started = workflows(app).start(work, { n: 7 }, { id: "background-7" });
        started.catch(() => {});
        engine.nudge();
      };
      await app.client(orders).rollBack({ n: 7 });
      await started;
      const outcome = await workflows(app).result("background-7", { timeout: "10s" });
      expect(outcome.status).toBe("completed");
      expect(outcome.output).toBe(16);
      const rows = await app.use(STORE).query(sql`select n from wf_orders`);
      expect(rows).toEqual([]);
    },
  );

  async function startApp() {
    dir = await mkdtemp(join(tmpdir(), "weft-wf-tx-"));
    const impl = orders.implement({
      async place(ctx, { n, fail }) {
        return ctx.tx(async (tx) => {
          await tx.execute(sql`insert into wf_orders (n) values (${n})`);
          const { id } = await tx.start(work, { n }, { id: `order-${n}` });
          // A savepoint that fails: the run it started rolls back with it.
          await tx
            .transaction(async (inner) => {
              await inner.start(work, { n }, { id: `inner-${n}` });
              throw new Error("the savepoint fails");
            })
            .catch(() => {});
          if (fail) throw new Error("rolled back after starting");
          return id;
        });
      },
      async again(ctx, { id, n }) {
        return ctx.tx(async (tx) => {
          const started = await tx.start(work, { n }, { id });
          return `${started.id} ${started.created}`;
        });
      },
      async startInTx(ctx, { n }) {
        return ctx.tx(async () => {
          try {
            await workflows(ctx).start(work, { n }, { id: `refused-${n}` });
            return "started";
          } catch (error) {
            const e = error as { code?: string; reason?: string; message?: string };
            return `${e.code} ${e.reason} ${e.message}`;
          }
        });
      },
      async rollBack(ctx, { n }) {
        await ctx
          .tx(async (tx) => {
            await tx.execute(sql`insert into wf_orders (n) values (${n})`);
            background();
            throw new Error("roll back");
          })
          .catch(() => {});
        return null;
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
    return { app };
  }
});
