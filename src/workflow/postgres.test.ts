/**
 * The workflow conformance suite on PostgreSQL: a fresh schema per test on the shared test server,
 * dropped after it. Skips with a reason when the server is unreachable (fails instead with
 * WEFT_REQUIRE_SERVICES=1). Below it, what only PostgreSQL can do: concurrent transactions under
 * READ COMMITTED racing a run's suspension.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Store, sql } from "../store/index.js";
import { createPostgresStore } from "../store/postgres/index.js";
import { TEST_SERVERS, unreachable } from "../testing/services.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "./authoring/index.js";
import {
  createFixture,
  gate,
  until,
  type WorkflowStoreHarness,
  wf,
} from "./conformance/harness.js";
import { describeWorkflowConformance } from "./conformance/index.js";

const { host, port } = TEST_SERVERS.postgres;
const url = `postgres://postgres@${host}:${port}/test`;
const skip = await unreachable("postgres");

async function schemaHarness(): Promise<WorkflowStoreHarness> {
  const schema = uniqueName("wf");
  const opened: Store[] = [];
  return {
    async open() {
      const store = await createPostgresStore({ url, schema, poolSize: 4 });
      opened.push(store);
      return store;
    },
    async cleanup() {
      await Promise.all(opened.map((s) => s.close()));
      const admin = await createPostgresStore({ url, schema: "public", poolSize: 1 });
      try {
        await admin.execute(sql`drop schema if exists ${sql.ident(schema)} cascade`);
      } finally {
        await admin.close();
      }
    },
  };
}

describeWorkflowConformance("postgres", schemaHarness, { skip });

describe.skipIf(skip)("workflows on PostgreSQL: wake-ups racing a suspension", () => {
  let dispose: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await dispose?.();
    dispose = undefined;
  });

  it("wakes a parent whose child ended while the parent's suspension was being written", async () => {
    const fixture = createFixture(await schemaHarness());
    dispose = () => fixture.dispose();
    const pre = gate();
    const work = gate();
    const child = defineWorkflow("child", { input: z.object({}), output: z.string() }, async (wf) =>
      wf.step("work", async () => {
        await work.promise;
        return "done";
      }),
    );
    const parent = defineWorkflow(
      "parent",
      { input: z.object({}), output: z.string() },
      async (wf) => {
        await wf.step("pre", () => pre.promise);
        return wf.child(child, {});
      },
    );
    // No polling: only the wake-up itself may bring the parent back.
    const app = await fixture.start({ workflows: [parent, child] }, { pollMs: 60_000 });
    const { id } = await wf(app).start(parent, {});
    // Another transaction holds the parent's row: its suspension (which looks at the child) waits
    // with a snapshot taken before the child ends.
    const side = await fixture.store();
    const locked = gate();
    const release = gate();
    const holder = side.transaction(async (tx) => {
      await tx.query(sql`select id from weft_runs where id = ${id} for update`);
      locked.open();
      await release.promise;
    });
    await locked.promise;
    pre.open();
    await until(async () => (await wf(app).list({ workflow: "child" })).length === 1, "the child");
    await new Promise((r) => setTimeout(r, 300)); // the parent is blocked in its suspension now
    work.open();
    await until(
      async () => (await wf(app).list({ workflow: "child", status: "completed" })).length === 1,
      "the child to complete",
    );
    release.open();
    await holder;
    await side.close();
    expect(await wf(app).result(id, { timeout: "5s" })).toMatchObject({
      status: "completed",
      output: "done",
    });
  });
});
