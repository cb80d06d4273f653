/**
 * The handle `ctx.tx` gives, in an app: `tx.publish` / `tx.start` without topics or workflows
 * refuse naming what to add, and a transaction cannot span a call to another service — the
 * callee's own `ctx.tx` (`TX_SPANS_CALL`) and `ctx.publish` (`PUBLISH_IN_TX`) are refused while
 * its caller's transaction is open, without waiting for it (on SQLite that wait never ends); in an
 * app without a store both `ctx.tx` and `ctx.publish` refuse naming what is missing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, defineService, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { defineTopic } from "../events/topic.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineWorkflow } from "../workflow/authoring/index.js";
import { sql } from "./sql.js";

const noted = defineTopic("noted", z.object({ n: z.number() }));
const nothing = defineWorkflow(
  "nothing",
  { input: z.object({}), output: z.null() },
  async () => null,
);

const inner = defineService("inner", {
  write: method({ input: z.object({}), output: z.string() }),
  publish: method({ input: z.object({}), output: z.string() }),
});
const outer = defineService("outer", {
  call: method({ input: z.object({ what: z.enum(["write", "publish"]) }), output: z.string() }),
  members: method({ input: z.object({}), output: z.array(z.string()) }),
});

/** What a rejected promise said: `CODE REASON message`. */
const said = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string; reason?: string; message?: string }) =>
      `${e.code} ${e.reason} ${e.message}`,
  );

const innerImpl = inner.implement({
  write: (ctx) => said(ctx.tx((tx) => tx.execute(sql`select 1`))),
  publish: (ctx) => said(ctx.publish(noted, { n: 1 })),
});
const outerImpl = outer.implement({
  call: (ctx, { what }) =>
    ctx.tx(async () =>
      what === "write" ? ctx.client(inner).write({}) : ctx.client(inner).publish({}),
    ),
  members: (ctx) =>
    ctx.tx(async (tx) => [
      await said(tx.publish(noted, { n: 1 })),
      await said(tx.start(nothing, {})),
    ]),
});

describe("the transaction handle in an app (SQLite)", () => {
  let dir: string | undefined;
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop({ grace: "1s" });
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const start = async (spec: { topics?: boolean; workflows?: boolean }) => {
    dir = await mkdtemp(join(tmpdir(), "weft-tx-handle-"));
    app = createApp(
      defineApp({
        name: uniqueName("txh"),
        services: [innerImpl, outerImpl],
        store: true,
        ...(spec.topics === true ? { topics: [noted] } : {}),
        ...(spec.workflows === true ? { workflows: [nothing] } : {}),
      }),
      { env: {}, config: { dataDir: dir, logLevel: "silent" } },
    );
    await app.start();
    return app;
  };

  it("refuses tx.publish and tx.start without topics or workflows, naming what to add", async () => {
    const [publish, startRun] = await (await start({})).client(outer).members({});
    expect(publish).toMatch(/^FAILED_PRECONDITION EVENTS_NOT_CONFIGURED .*topics/);
    expect(startRun).toMatch(/^FAILED_PRECONDITION WORKFLOWS_NOT_CONFIGURED .*workflows/);
  });

  it("refuses a callee's ctx.tx and ctx.publish while its caller's transaction is open", async () => {
    const client = (await start({ topics: true })).client(outer);
    expect(await client.call({ what: "write" })).toMatch(
      /^FAILED_PRECONDITION TX_SPANS_CALL inner\.write .* outer\.call/,
    );
    expect(await client.call({ what: "publish" })).toMatch(
      /^FAILED_PRECONDITION PUBLISH_IN_TX inner\.publish .*outer\.call.*tx\.publish/,
    );
  });
});

describe("ctx.tx and ctx.publish in an app without a store", () => {
  let app: App | undefined;
  afterEach(async () => {
    await app?.stop({ grace: "1s" });
  });

  it("refuse naming what the app lacks", async () => {
    const bare = defineService("bare", {
      write: method({ input: z.object({}), output: z.string() }),
      publish: method({ input: z.object({}), output: z.string() }),
    });
    app = createApp(
      defineApp({
        name: uniqueName("txn"),
        services: [
          bare.implement({
            write: (ctx) => said(ctx.tx((tx) => tx.execute(sql`select 1`))),
            publish: (ctx) => said(ctx.publish(noted, { n: 1 })),
          }),
        ],
      }),
      { env: {}, config: { logLevel: "silent" } },
    );
    await app.start();
    const client = app.client(bare);
    expect(await client.write({})).toMatch(
      /^FAILED_PRECONDITION NO_STORE app .* has no store: ctx\.tx needs `store: true`/,
    );
    expect(await client.publish({})).toMatch(
      /^FAILED_PRECONDITION EXTENSION_MISSING app .* provides no events \(an app with a store/,
    );
  });
});
