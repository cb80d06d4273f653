/**
 * Cron schedules fire once per fire time across workers; queues cap concurrent runs across
 * workers. Two workers (two apps on one store) run side by side, on SQLite and on PostgreSQL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp } from "../core/index.js";
import { createApp } from "../create-app.js";
import { createPostgresStore } from "../store/postgres/index.js";
import { createSqliteStore } from "../store/sqlite/index.js";
import type { Store } from "../store/types.js";
import { createFakeClock, type FakeClock, uniqueName, unreachable } from "../testing/index.js";
import { defineWorkflow, workflows } from "./index.js";

type StoreMaker = () => { open: () => Promise<Store>; cleanup: () => Promise<void> };

const sqliteStore: StoreMaker = () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-wf-"));
  return {
    open: () => createSqliteStore({ path: join(dir, "db.sqlite") }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
};

const postgresStore: StoreMaker = () => {
  const schema = uniqueName("wfsched").toLowerCase();
  const url = "postgres://postgres@127.0.0.1:5432/test";
  return {
    open: () => createPostgresStore({ url, schema }),
    cleanup: async () => {
      const store = await createPostgresStore({ url });
      const { sql } = await import("../store/index.js");
      await store.execute(sql`drop schema if exists ${sql.ident(schema)} cascade`);
      await store.close();
    },
  };
};

const skipPostgres = await unreachable("postgres");

for (const [name, make, skip] of [
  ["sqlite", sqliteStore, false],
  ["postgres", postgresStore, skipPostgres],
] as const) {
  describe.skipIf(skip)(`schedules and queues [${name}]`, () => {
    const apps: App[] = [];
    let cleanup: (() => Promise<void>) | undefined;
    afterEach(async () => {
      for (const app of apps.splice(0)) await app.stop({ grace: "2s" });
      await cleanup?.();
    });

    /** Two workers of one app on one store. */
    async function twoWorkers(definition: ReturnType<typeof defineApp>, clock?: FakeClock) {
      const store = make();
      cleanup = store.cleanup;
      const appName = uniqueName("wf");
      for (let i = 0; i < 2; i++) {
        const app = createApp(definition, {
          config: { app: appName },
          store: store.open,
          workflow: { pollMs: 50, leaseMs: 2000, ...(clock === undefined ? {} : { clock }) },
        });
        await app.start();
        apps.push(app);
      }
      return apps;
    }

    it("fires a schedule once per fire time with two workers", async () => {
      const clock = createFakeClock(Date.UTC(2026, 0, 1, 0, 0, 0));
      const tick = defineWorkflow(
        "tick",
        {
          input: z.object({}),
          output: z.object({ ok: z.boolean() }),
          schedule: { cron: "*/10 * * * * *" },
        },
        async () => ({ ok: true }),
      );
      const [first] = await twoWorkers(
        defineApp({ name: "sched", services: [], workflows: [tick] }),
        clock,
      );
      for (let i = 0; i < 3; i++) {
        clock.advance("10s");
        await new Promise((r) => setTimeout(r, 300));
      }
      const client = workflows(first as App);
      await expect
        .poll(async () => (await client.list({ workflow: "tick" })).length, { timeout: 10_000 })
        .toBe(3);
      const runs = await client.list({ workflow: "tick" });
      expect(new Set(runs.map((r) => r.id)).size).toBe(3);
      expect(runs.map((r) => r.id).sort()).toEqual([
        "tick@2026-01-01T00:00:10.000Z",
        "tick@2026-01-01T00:00:20.000Z",
        "tick@2026-01-01T00:00:30.000Z",
      ]);
    });

    it("never runs more than the queue's concurrency at once across workers", async () => {
      let active = 0;
      let peak = 0;
      const job = defineWorkflow(
        "job",
        {
          input: z.object({ n: z.number() }),
          output: z.number(),
          queue: { name: "jobs", concurrency: 2 },
        },
        async (wf, { n }) =>
          wf.step("work", async () => {
            active += 1;
            peak = Math.max(peak, active);
            await new Promise((r) => setTimeout(r, 50));
            active -= 1;
            return n;
          }),
      );
      const [first] = await twoWorkers(
        defineApp({ name: "queue", services: [], workflows: [job] }),
      );
      const client = workflows(first as App);
      const ids = [];
      for (let n = 0; n < 8; n++) ids.push((await client.start(job, { n })).id);
      for (const id of ids)
        expect((await client.result(id, { timeout: "20s" })).status).toBe("completed");
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual(2);
    });
  });
}
