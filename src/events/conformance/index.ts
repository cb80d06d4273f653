/**
 * The events conformance suite: what every broker (in-process queue on SQLite or PostgreSQL,
 * NATS JetStream) must do. Each backend's test file calls {@link describeEventsConformance}.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type CallContext, defineService, method } from "../../core/index.js";
import { parsePrometheus } from "../../observe/fixtures/prometheus.js";
import { OBSERVE } from "../../observe/observability.js";
import { sql } from "../../store/index.js";
import { expectWeftError } from "../../testing/expect-weft-error.js";
import { defineWorkflow } from "../../workflow/authoring/index.js";
import { workflows } from "../../workflow/client.js";
import { events } from "../client.js";
import { subscribe } from "../subscribe.js";
import { defineTopic } from "../topic.js";
import {
  consumerService,
  createEventsFixture,
  type EventsBackend,
  type EventsFixture,
  Order,
  storeOf,
  until,
} from "./harness.js";

const orderPlaced = defineTopic("order.placed", Order);
const other = defineTopic("order.other", Order);

/** The publishing service: writes an order row and publishes in one transaction. */
function ordersService() {
  const orders = defineService("orders", {
    place: method({
      input: Order.extend({ fail: z.boolean().optional() }),
      output: z.object({ id: z.string() }),
    }),
    publishLoose: method({ input: z.unknown(), output: z.object({ id: z.string() }) }),
    publishOther: method({ input: Order, output: z.object({ id: z.string() }) }),
    publishTwice: method({ input: Order, output: z.array(z.string()) }),
  });
  return orders.implement({
    async place(ctx: CallContext, input) {
      return ctx.tx(async (tx) => {
        await tx.execute(
          sql`create table if not exists ev_orders (id text primary key, total integer not null)`,
        );
        await tx.execute(
          sql`insert into ev_orders (id, total) values (${input.orderId}, ${input.total})`,
        );
        const published = await tx.publish(
          orderPlaced,
          { orderId: input.orderId, total: input.total },
          { key: input.orderId },
        );
        if (input.fail) throw new Error("the order failed after publishing");
        return published;
      });
    },
    async publishLoose(ctx, input) {
      return ctx.publish(orderPlaced, input as z.infer<typeof Order>);
    },
    async publishOther(ctx, input) {
      return ctx.publish(other, input);
    },
    async publishTwice(ctx, input) {
      // A handler retried by its caller publishes again with the same natural id.
      const first = await ctx.publish(orderPlaced, input, { id: `evt-${input.orderId}` });
      const second = await ctx.publish(orderPlaced, input, { id: `evt-${input.orderId}` });
      return [first.id, second.id];
    },
  });
}

/** Records what a consumer saw. */
function recorder() {
  const seen: string[] = [];
  return {
    seen,
    handler: async (_ctx: CallContext, event: z.infer<typeof Order>) => {
      seen.push(event.orderId);
    },
  };
}

/** Registers the suite for one backend. */
export function describeEventsConformance(
  backend: () => EventsBackend,
  options: { skip?: boolean } = {},
): void {
  const b = backend();
  describe.skipIf(options.skip === true)(`events conformance: ${b.name}`, () => {
    let fixture: EventsFixture;
    afterEach(async () => {
      await fixture?.dispose();
    });
    const start = () => {
      fixture = createEventsFixture(b);
      return fixture;
    };

    it("delivers an event published in a committed transaction to each subscribing service once", async () => {
      const email = recorder();
      const loyalty = recorder();
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("email", [subscribe(orderPlaced, email.handler)]),
          consumerService("loyalty", [subscribe(orderPlaced, loyalty.handler, { concurrency: 2 })]),
        ],
      });
      const orders = app.client(ordersService().contract);
      const ids = Array.from({ length: 25 }, (_, i) => `o${i}`);
      await Promise.all(ids.map((orderId) => orders.place({ orderId, total: 10 })));
      await until(() => email.seen.length >= 25 && loyalty.seen.length >= 25, 20_000, "deliveries");
      await new Promise((r) => setTimeout(r, 300));
      expect([...email.seen].sort()).toEqual([...ids].sort());
      expect([...loyalty.seen].sort()).toEqual([...ids].sort());
      const stats = await events(app).stats();
      expect(stats.deliveries.done).toBe(50);
      expect(stats.topics).toEqual(
        expect.arrayContaining([
          { name: "order.placed", consumers: ["email/order.placed", "loyalty/order.placed"] },
        ]),
      );
    });

    // Not on SQLite: one writer, so no transaction commits while an older one is open.
    if (b.name !== "sqlite")
      it("delivers an event whose transaction commits after later events were relayed", async () => {
        const email = recorder();
        let release!: () => void;
        const released = new Promise<void>((r) => {
          release = r;
        });
        let held!: () => void;
        const isHeld = new Promise<void>((r) => {
          held = r;
        });
        const slow = defineService("slow", {
          place: method({ input: Order, output: z.object({ id: z.string() }) }),
        }).implement({
          async place(ctx, input) {
            return ctx.tx(async (tx) => {
              // Published (its id is older than the next events') but not committed yet.
              const published = await tx.publish(orderPlaced, input);
              held();
              await released;
              return published;
            });
          },
        });
        const app = await start().start({
          services: [
            ordersService(),
            slow,
            consumerService("email", [subscribe(orderPlaced, email.handler)]),
          ],
        });
        const late = app.client(slow.contract).place({ orderId: "late", total: 1 });
        await isHeld;
        const orders = app.client(ordersService().contract);
        for (let i = 0; i < 30; i++) await orders.place({ orderId: `o${i}`, total: 1 });
        await until(() => email.seen.length === 30, 20_000, "the later events");
        release();
        await late;
        await until(() => email.seen.includes("late"), 20_000, "the event that committed late");
        await new Promise((r) => setTimeout(r, 300));
        expect(email.seen.filter((id) => id === "late")).toHaveLength(1);
        expect(email.seen).toHaveLength(31);
      });

    it("publishes nothing when the transaction rolls back, and the business write is gone too", async () => {
      const email = recorder();
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("email", [subscribe(orderPlaced, email.handler)]),
        ],
      });
      const orders = app.client(ordersService().contract);
      await expect(orders.place({ orderId: "bad", total: 1, fail: true })).rejects.toThrow();
      await orders.place({ orderId: "good", total: 1 });
      await until(() => email.seen.includes("good"), 15_000, "the good order");
      await new Promise((r) => setTimeout(r, 300));
      expect(email.seen).toEqual(["good"]);
      const rows = await storeOf(app).query<{ id: string }>(
        sql`select id from ev_orders order by id`,
      );
      expect(rows.map((r) => r.id)).toEqual(["good"]);
      const outbox = await storeOf(app).query<{ payload: string }>(
        sql`select payload from weft_outbox`,
      );
      expect(outbox.map((r) => JSON.parse(r.payload).orderId)).toEqual(["good"]);
    });

    it("has the event durable in the outbox when a publish outside a transaction returns", async () => {
      const app = await start().start({ services: [ordersService()], topics: [orderPlaced] });
      const { id } = await app
        .client(ordersService().contract)
        .publishLoose({ orderId: "x", total: 3 });
      const rows = await storeOf(app).query<{ id: string }>(
        sql`select id from weft_outbox where id = ${id}`,
      );
      expect(rows).toHaveLength(1);
    });

    it("refuses an invalid event naming the field, and an undeclared topic, writing nothing", async () => {
      const app = await start().start({ services: [ordersService()], topics: [orderPlaced] });
      const orders = app.client(ordersService().contract);
      const error = await expectWeftError(
        orders.publishLoose({ orderId: "x", total: -1 }),
        "INVALID_ARGUMENT",
      );
      expect(error.reason).toBe("EVENT_INVALID");
      expect(error.issues.map((i) => i.path.join("."))).toContain("total");
      const undeclared = await expectWeftError(
        orders.publishOther({ orderId: "y", total: 1 }),
        "FAILED_PRECONDITION",
      );
      expect(undeclared.reason).toBe("TOPIC_NOT_DECLARED");
      const rows = await storeOf(app).query(sql`select id from weft_outbox`);
      expect(rows).toHaveLength(0);
    });

    it("dead-letters a poison event after its attempts while the others keep flowing", async () => {
      const good: string[] = [];
      let poisonAttempts = 0;
      const app = await start().start(
        {
          services: [
            ordersService(),
            consumerService("email", [
              subscribe(
                orderPlaced,
                async (_ctx, event) => {
                  if (event.orderId === "poison") {
                    poisonAttempts++;
                    throw new Error("cannot render this order");
                  }
                  good.push(event.orderId);
                },
                { retry: { attempts: 3, initial: "20ms", max: "50ms" }, concurrency: 1 },
              ),
            ]),
          ],
        },
        { observe: true },
      );
      const orders = app.client(ordersService().contract);
      await orders.place({ orderId: "poison", total: 1 });
      for (let i = 0; i < 10; i++) await orders.place({ orderId: `g${i}`, total: 1 });
      await until(
        async () => (await events(app).deadLetters()).length === 1 && good.length === 10,
        20_000,
        "dead letter and good events",
      );
      const [dead] = await events(app).deadLetters();
      expect(dead?.consumer).toBe("email/order.placed");
      expect(dead?.attempts).toBe(3);
      expect(dead?.error.message).toContain("cannot render this order");
      expect(JSON.parse(dead?.event.payload ?? "{}").orderId).toBe("poison");
      expect(poisonAttempts).toBe(3);
      expect(good.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `g${i}`).sort());

      // The same story in the app's Prometheus counters (a delivery is counted once its handler
      // returned and its inbox record was written: after the handler saw the event).
      let counted = parsePrometheus(app.use(OBSERVE).metrics.render());
      const processed = (outcome: string) =>
        counted.value("weft_events_processed_total", {
          service: "email",
          topic: "order.placed",
          outcome,
        });
      await until(
        () => {
          counted = parsePrometheus(app.use(OBSERVE).metrics.render());
          return processed("processed") >= 10;
        },
        10_000,
        "the last delivery to be counted",
      );
      expect(counted.value("weft_events_published_total", { topic: "order.placed" })).toBe(11);
      expect(processed("processed")).toBe(10);
      expect(processed("retried")).toBe(2);
      expect(processed("dead_lettered")).toBe(1);
    });

    it("dead-letters a malformed or schema-breaking event at once, with the reason", async () => {
      const email = recorder();
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("email", [subscribe(orderPlaced, email.handler)]),
        ],
      });
      const now = Date.now();
      // What a buggy or hostile publisher could leave in the outbox.
      await storeOf(app).execute(sql`
        insert into weft_outbox (id, topic, payload, created_at) values
          ('m-1', 'order.placed', 'not json {', ${now}),
          ('m-2', 'order.placed', ${JSON.stringify({ orderId: 5 })}, ${now})`);
      await app.client(ordersService().contract).place({ orderId: "fine", total: 2 });
      await until(
        async () => (await events(app).deadLetters()).length === 2 && email.seen.length === 1,
        20_000,
        "dead letters",
      );
      const dead = await events(app).deadLetters();
      const reasons = Object.fromEntries(dead.map((d) => [d.event.id, d.error.reason]));
      expect(reasons).toEqual({ "m-1": "EVENT_MALFORMED", "m-2": "EVENT_INVALID" });
      expect(dead.every((d) => d.attempts === 1)).toBe(true);
      expect(email.seen).toEqual(["fine"]);
    });

    it("redrives a dead letter to the consumer that gave up on it alone", async () => {
      const email = recorder();
      const loyalty: string[] = [];
      let broken = true;
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("email", [subscribe(orderPlaced, email.handler)]),
          consumerService("loyalty", [
            subscribe(
              orderPlaced,
              async (_ctx, event) => {
                if (broken) throw new Error("points service down");
                loyalty.push(event.orderId);
              },
              { retry: { attempts: 1 } },
            ),
          ]),
        ],
      });
      await app.client(ordersService().contract).place({ orderId: "r1", total: 5 });
      await until(
        async () => (await events(app).deadLetters()).length === 1 && email.seen.length === 1,
        20_000,
        "dead letter",
      );
      broken = false;
      const [dead] = await events(app).deadLetters();
      await events(app).redrive(dead?.id ?? "");
      await until(() => loyalty.length === 1, 20_000, "the redriven event");
      await new Promise((r) => setTimeout(r, 300));
      expect(loyalty).toEqual(["r1"]);
      expect(email.seen).toEqual(["r1"]);
      expect(await events(app).deadLetters()).toEqual([]);
      expect(await events(app).deadLetters({ redriven: true })).toHaveLength(1);
      await expectWeftError(events(app).redrive("nope"), "NOT_FOUND");
    });

    it("records a handler's transactions: a retried delivery does not run them twice", async () => {
      let attempts = 0;
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("points", [
            subscribe(
              orderPlaced,
              async (ctx, event) => {
                attempts++;
                const n = await ctx.tx(async (tx) => {
                  await tx.execute(
                    sql`create table if not exists ev_points (order_id text, points integer)`,
                  );
                  await tx.execute(
                    sql`insert into ev_points (order_id, points) values (${event.orderId}, ${event.total})`,
                  );
                  return attempts;
                });
                // The recorded result comes back on the retry: the first attempt's.
                expect(n).toBe(1);
                if (attempts === 1) throw new Error("crashed after the write");
              },
              { retry: { attempts: 3, initial: "20ms" } },
            ),
          ]),
        ],
      });
      await app.client(ordersService().contract).place({ orderId: "p1", total: 7 });
      await until(
        async () => (await events(app).stats()).deliveries.done === 1,
        20_000,
        "the retried event",
      );
      expect(attempts).toBe(2);
      const rows = await storeOf(app).query<{ points: number }>(sql`select points from ev_points`);
      expect(rows.map((r) => Number(r.points))).toEqual([7]);
    });

    it("records an event published twice with the same id once, and delivers it once", async () => {
      const email = recorder();
      const app = await start().start({
        services: [
          ordersService(),
          consumerService("email", [subscribe(orderPlaced, email.handler)]),
        ],
      });
      const ids = await app
        .client(ordersService().contract)
        .publishTwice({ orderId: "d1", total: 1 });
      expect(ids).toEqual(["evt-d1", "evt-d1"]);
      await until(() => email.seen.length === 1, 15_000, "first delivery");
      await new Promise((r) => setTimeout(r, 300));
      expect(email.seen).toEqual(["d1"]);
      const rows = await storeOf(app).query(sql`select id from weft_outbox`);
      expect(rows).toHaveLength(1);
    });

    it("records an event a workflow step publishes once, though the step runs again", async () => {
      const email = recorder();
      let runs = 0;
      const placeOrder = defineWorkflow(
        "place-order",
        { input: Order, output: z.string() },
        async (wf, order) => {
          await wf.step(
            "publish",
            async (step) => {
              runs++;
              await step.publish(orderPlaced, order, { key: order.orderId });
              if (runs === 1) throw new Error("the step failed after publishing");
            },
            { retry: { attempts: 3, initial: "10ms" } },
          );
          return order.orderId;
        },
      );
      const app = await start().start({
        services: [consumerService("email", [subscribe(orderPlaced, email.handler)])],
        workflows: [placeOrder],
      });
      await expect(workflows(app).run(placeOrder, { orderId: "w1", total: 4 })).resolves.toBe("w1");
      await until(() => email.seen.length === 1, 15_000, "the step's event");
      await new Promise((r) => setTimeout(r, 300));
      expect(runs).toBe(2);
      expect(email.seen).toEqual(["w1"]);
      const rows = await storeOf(app).query(sql`select id from weft_outbox`);
      expect(rows).toHaveLength(1);
    });
  });
}
