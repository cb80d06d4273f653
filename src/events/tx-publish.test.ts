/**
 * What joins a transaction is what goes through its handle: `tx.publish` commits (or rolls back)
 * with the business write, `tx.transaction` rolls back alone, `ctx.publish` inside `ctx.tx` is
 * refused naming `tx.publish`, and background work started while a `ctx.tx` is open (the relay,
 * the statistics analyzer) keeps its writes when that transaction rolls back. Both stores.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, method } from "../core/index.js";
import { sql } from "../store/index.js";
import { unreachable } from "../testing/services.js";
import { defineWorkflow } from "../workflow/authoring/index.js";
import { workflows } from "../workflow/client.js";
import {
  createEventsFixture,
  type EventsFixture,
  Order,
  postgresBackend,
  sqliteBackend,
  storeOf,
  until,
} from "./conformance/harness.js";
import { EventStore } from "./event-store.js";
import { createLocalBroker } from "./local-broker.js";
import { Relay } from "./relay.js";
import { statisticsCatchUp } from "./statistics.js";
import { defineTopic } from "./topic.js";

const skipPg = await unreachable("postgres");
const placed = defineTopic("order.placed", Order);
const step = { orderId: "inner", total: 0 };

const orders = defineService("orders", {
  place: method({
    input: Order.extend({ fail: z.boolean() }),
    output: z.object({ id: z.string() }),
  }),
  publishInTx: method({ input: Order, output: z.string() }),
  rollBack: method({ input: z.object({ orderId: z.string() }), output: z.null() }),
});

let attempts = 0;
const publishInStep = defineWorkflow(
  "publish-in-step",
  { input: Order, output: z.string() },
  async (wf, order) =>
    wf.step(
      "publish",
      async (ctx) => {
        attempts++;
        const refused = await ctx.tx(async (tx) => {
          await tx.publish(placed, order);
          if (attempts === 1) throw new Error("rolled back after publishing");
          return ctx.publish(placed, order).then(
            () => "published",
            (e: { reason?: string; message?: string }) => `${e.reason} ${e.message}`,
          );
        });
        if (attempts === 2) throw new Error("the step fails after its transaction committed");
        return refused;
      },
      { retry: { attempts: 3, initial: "10ms" } },
    ),
);

/** Runs `background` while a `ctx.tx` holding a business write is open, then rolls it back. */
let background: () => void = () => {};

const ordersImpl = orders.implement({
  async place(ctx, { orderId, total, fail }) {
    return ctx.tx(async (tx) => {
      await tx.execute(sql`insert into ev_orders (id, total) values (${orderId}, ${total})`);
      const published = await tx.publish(placed, { orderId, total });
      // A savepoint that fails: its row and its event roll back alone.
      await tx
        .transaction(async (inner) => {
          await inner.execute(
            sql`insert into ev_orders (id, total) values (${`${orderId}-sp`}, 0)`,
          );
          await inner.publish(placed, step);
          throw new Error("the savepoint fails");
        })
        .catch(() => {});
      if (fail) throw new Error("the order fails after publishing");
      return published;
    });
  },
  async publishInTx(ctx, order) {
    return ctx.tx(async (tx) => {
      await tx.execute(sql`insert into ev_orders (id, total) values (${order.orderId}, 1)`);
      try {
        await ctx.publish(placed, order);
        return "published";
      } catch (error) {
        const e = error as { code?: string; reason?: string; message?: string };
        return `${e.code} ${e.reason} ${e.message}`;
      }
    });
  },
  async rollBack(ctx, { orderId }) {
    await ctx
      .tx(async (tx) => {
        await tx.execute(sql`insert into ev_orders (id, total) values (${orderId}, 2)`);
        background();
        throw new Error("roll back");
      })
      .catch(() => {});
    return null;
  },
});

describe.each([
  { backend: sqliteBackend, skip: false },
  { backend: postgresBackend, skip: skipPg },
])("explicit transactions of events ($backend.name)", ({ backend, skip }) => {
  let fixture: EventsFixture | undefined;
  afterEach(async () => {
    background = () => {};
    await fixture?.dispose();
    fixture = undefined;
  });
  // The app's own relay polls rarely: the test's relay does the work.
  const start = () => {
    fixture = createEventsFixture(backend());
    return fixture.start(
      { services: [ordersImpl], topics: [placed] },
      { events: { relay: { pollMs: 3_600_000 } } },
    );
  };
  const outbox = async (app: Awaited<ReturnType<typeof start>>) =>
    (
      await storeOf(app).query<{ payload: string }>(
        sql`select payload from weft_outbox order by id`,
      )
    ).map((r) => (JSON.parse(r.payload) as { orderId: string }).orderId);
  const ordersOf = async (app: Awaited<ReturnType<typeof start>>) =>
    (await storeOf(app).query<{ id: string }>(sql`select id from ev_orders order by id`)).map(
      (r) => r.id,
    );

  it.skipIf(skip)(
    "commits tx.publish with the business write, or neither; a failed tx.transaction rolls back alone",
    async () => {
      const app = await start();
      const client = app.client(orders);
      await expect(client.place({ orderId: "bad", total: 1, fail: true })).rejects.toThrow();
      expect(await ordersOf(app)).toEqual([]);
      expect(await outbox(app)).toEqual([]);
      await client.place({ orderId: "good", total: 1, fail: false });
      expect(await ordersOf(app)).toEqual(["good"]);
      expect(await outbox(app)).toEqual(["good"]);
    },
  );

  it.skipIf(skip)(
    "records a step's tx.publish once though the step's transaction and the step run again",
    async () => {
      attempts = 0;
      fixture = createEventsFixture(backend());
      const app = await fixture.start({
        services: [ordersImpl],
        topics: [placed],
        workflows: [publishInStep],
      });
      const said = await workflows(app).run(publishInStep, { orderId: "w1", total: 1 });
      expect(said).toMatch(/^PUBLISH_IN_TX .*tx\.publish/);
      expect(attempts).toBe(3);
      expect(await outbox(app)).toEqual(["w1"]);
    },
  );

  it.skipIf(skip)("refuses ctx.publish inside ctx.tx, naming tx.publish", async () => {
    const app = await start();
    const said = await app.client(orders).publishInTx({ orderId: "o1", total: 1 });
    expect(said).toMatch(/^FAILED_PRECONDITION PUBLISH_IN_TX .*tx\.publish/);
    expect(await ordersOf(app)).toEqual(["o1"]);
    expect(await outbox(app)).toEqual([]);
  });

  it.skipIf(skip)(
    "keeps the writes of background work started while a ctx.tx is open when it rolls back",
    async () => {
      const app = await start();
      const store = storeOf(app);
      const events = new EventStore(store);
      const broker = createLocalBroker({ events, consumersOf: () => [], logger: app.logger });
      await broker.start();
      const relay = new Relay(events, broker, app.logger, { pollMs: 3_600_000 });
      const analyzed = statisticsCatchUp(events, app.logger);
      // An event committed earlier waits in the outbox for the relay (nobody nudged it).
      await events.insertOutbox(store, [
        {
          id: "0190a000-0000-7000-8000-000000000001",
          topic: placed.name,
          key: undefined,
          payload: JSON.stringify({ orderId: "earlier", total: 1 }),
          traceparent: undefined,
          publishedAt: Date.now(),
        },
      ]);
      background = () => {
        relay.start(); // claims and marks the waiting event, from inside the open transaction
        analyzed(1_000); // PostgreSQL: analyzes the events' tables
      };
      await app.client(orders).rollBack({ orderId: "rolled-back" });
      try {
        await until(
          async () =>
            (await store.query(sql`select id from weft_outbox where published_at is not null`))
              .length === 1,
          15_000,
          "the relay to mark the event published",
        );
        expect(relay.relayed).toBe(1);
        expect(await ordersOf(app)).toEqual([]);
        if (store.dialect === "postgres") {
          await until(
            async () => {
              const [row] = await store.query<{ reltuples: number }>(
                sql`select reltuples from pg_class where oid = 'weft_outbox'::regclass`,
              );
              return Number(row?.reltuples) >= 0;
            },
            15_000,
            "the analyzer's statistics to stay",
          );
        }
      } finally {
        await relay.stop();
        await broker.close();
      }
    },
  );
});
