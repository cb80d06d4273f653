/**
 * What the journal records is what a replay sees: wf.now/random/uuid, the results of `ctx.tx`
 * inside steps — and a damaged journal row fails the run with DATA_LOSS instead of being skipped.
 */
import { expect, it } from "vitest";
import { z } from "zod";
import { unavailable } from "../../core/index.js";
import { sql } from "../../store/index.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import { type FixtureOf, gate, until, untilStatus, wf } from "./harness.js";

const Values = z.object({ now: z.number(), random: z.number(), uuid: z.string() });

async function countItems(fx: FixtureOf): Promise<number> {
  const store = await fx().store();
  try {
    const [row] = await store.query<{ c: number }>(sql`select count(*) as c from wf_items`);
    return Number(row?.c);
  } finally {
    await store.close();
  }
}

async function createItems(fx: FixtureOf): Promise<void> {
  const store = await fx().store();
  try {
    await store.execute(sql`create table wf_items (run_id text not null, n integer not null)`);
  } finally {
    await store.close();
  }
}

export function recordedTests(fx: FixtureOf): void {
  it("gives wf.now, wf.random and wf.uuid the recorded values on replay", async () => {
    const clock = createFakeClock();
    const seen: z.infer<typeof Values>[] = [];
    const values = defineWorkflow("values", { input: z.object({}), output: Values }, async (wf) => {
      const v = { now: await wf.now(), random: await wf.random(), uuid: await wf.uuid() };
      seen.push(v);
      await wf.sleep("nap", "1h");
      return v;
    });
    const first = await fx().start({ workflows: [values] }, { clock });
    const startedAt = clock.now();
    const { id } = await wf(first).start(values, {});
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const second = await fx().start({ workflows: [values] }, { clock });
    clock.advance("1h");
    const outcome = await wf(second).result(id);
    expect(outcome.status).toBe("completed");
    expect(seen).toHaveLength(2); // the first execution and the replay after the restart
    expect(seen[1]).toEqual(seen[0]);
    expect(outcome.output).toEqual(seen[0]);
    expect(seen[0]?.now).toBe(startedAt);
    expect(seen[0]?.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/);
    const steps = (await wf(second).get(id)).steps;
    expect(steps.slice(0, 3).map((s) => [s.kind, s.output])).toEqual([
      ["now", seen[0]?.now],
      ["random", seen[0]?.random],
      ["uuid", seen[0]?.uuid],
    ]);
  });

  it("runs a step's ctx.tx once when the step is retried after it", async () => {
    await createItems(fx);
    let bodies = 0;
    const insert = defineWorkflow(
      "insert",
      { input: z.object({}), output: z.number() },
      async (wf) =>
        wf.step(
          "insert",
          async (ctx) => {
            const count = await ctx.tx(async (tx) => {
              bodies += 1;
              await tx.execute(sql`insert into wf_items (run_id, n) values (${ctx.runId}, 1)`);
              const [row] = await tx.query<{ c: number }>(sql`select count(*) as c from wf_items`);
              return Number(row?.c);
            });
            // The process "dies" after the commit: the retry must not write again.
            if (ctx.attempt === 1) throw unavailable("CRASHED", "lost after the commit");
            return count;
          },
          { retry: { attempts: 3, initial: "1ms" } },
        ),
    );
    const app = await fx().start({ workflows: [insert] });
    const { id } = await wf(app).start(insert, {});
    expect(await wf(app).result(id)).toMatchObject({ status: "completed", output: 1 });
    expect(bodies).toBe(1);
    expect((await wf(app).get(id)).steps[0]).toMatchObject({ name: "insert", attempts: 2 });
    await app.stop();
    expect(await countItems(fx)).toBe(1);
  });

  it("runs a step's ctx.tx once when the process stops during the step and another resumes it", async () => {
    await createItems(fx);
    let bodies = 0;
    let attempts = 0;
    const stuck = gate();
    const insert = defineWorkflow(
      "insert",
      { input: z.object({}), output: z.number() },
      async (wf) =>
        wf.step("insert", async (ctx) => {
          attempts += 1;
          const count = await ctx.tx(async (tx) => {
            bodies += 1;
            await tx.execute(sql`insert into wf_items (run_id, n) values (${ctx.runId}, 1)`);
            const [row] = await tx.query<{ c: number }>(sql`select count(*) as c from wf_items`);
            return Number(row?.c);
          });
          // The first process never gets past this point.
          if (attempts === 1) await stuck.promise;
          return count;
        }),
    );
    const first = await fx().start({ workflows: [insert] });
    const { id } = await wf(first).start(insert, {});
    await until(() => bodies === 1, "the transaction to commit");
    await first.stop({ grace: "50ms" }); // gives the lease up: the run is taken over at once
    const second = await fx().start({ workflows: [insert] });
    expect(await wf(second).result(id)).toMatchObject({ status: "completed", output: 1 });
    expect({ attempts, bodies }).toEqual({ attempts: 2, bodies: 1 });
    await second.stop();
    expect(await countItems(fx)).toBe(1);
  });

  it("fails a run whose journal row is damaged with DATA_LOSS naming the run", async () => {
    const clock = createFakeClock();
    let after = 0;
    const damaged = defineWorkflow(
      "damaged",
      { input: z.object({}), output: z.number() },
      async (wf) => {
        const { v } = await wf.step("first", async () => ({ v: 1 }));
        await wf.sleep("nap", "1h");
        return wf.step("after", async () => {
          after += 1;
          return v;
        });
      },
    );
    const first = await fx().start({ workflows: [damaged] }, { clock });
    const { id } = await wf(first).start(damaged, {});
    await untilStatus(first, id, "sleeping");
    await first.stop();
    const store = await fx().store();
    const changed = await store.execute(
      sql`update weft_steps set output = 'not json' where run_id = ${id} and name = 'first'`,
    );
    await store.close();
    expect(changed.rowCount).toBe(1);
    const second = await fx().start({ workflows: [damaged] }, { clock });
    clock.advance("1h");
    const outcome = await wf(second).result(id);
    expect(outcome).toMatchObject({
      status: "failed",
      error: { code: "DATA_LOSS", reason: "JOURNAL_CORRUPT" },
    });
    expect(outcome.error?.message).toContain(id);
    expect(outcome.error?.message).toContain("first");
    expect(after).toBe(0);
    const [run] = await wf(second).list({ status: "failed" });
    expect(run).toMatchObject({ id, error: { code: "DATA_LOSS" } });
    // The history stays readable: the damaged step is shown as damaged, the others as they were.
    const details = await wf(second).get(id);
    const firstStep = details.steps.find((s) => s.name === "first");
    expect(firstStep).toMatchObject({
      ok: false,
      error: { code: "DATA_LOSS", reason: "JOURNAL_CORRUPT" },
    });
    expect(details.steps.find((s) => s.name === "nap")).toMatchObject({ ok: true });
  });
}
