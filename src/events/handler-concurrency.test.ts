/**
 * A subscription's `concurrency` bounds the handlers running at once, on every broker — while
 * deliveries whose handler returned are still being recorded in the inbox (and acknowledged or
 * dequeued), which no longer hold a handler's place — and every event is still processed once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, method } from "../core/index.js";
import { sql } from "../store/index.js";
import { unreachable } from "../testing/services.js";
import { events } from "./client.js";
import {
  consumerService,
  createEventsFixture,
  type EventsBackend,
  type EventsFixture,
  jetstreamBackend,
  Order,
  postgresBackend,
  sqliteBackend,
  storeOf,
  until,
} from "./conformance/harness.js";
import { subscribe } from "./subscribe.js";
import { defineTopic } from "./topic.js";

const skipPg = await unreachable("postgres");
const skipNats = skipPg || (await unreachable("nats"));

const placed = defineTopic("order.placed", Order);

/** Publishes `count` events, each in its own transaction. */
const orders = defineService("orders", {
  placeMany: method({ input: z.object({ count: z.number().int() }), output: z.number() }),
});
const ordersImpl = orders.implement({
  async placeMany(ctx, { count }) {
    await Promise.all(
      Array.from({ length: count }, (_, i) =>
        ctx.tx((tx) => tx.publish(placed, { orderId: `o${i}`, total: i })),
      ),
    );
    return count;
  },
});

const backends: [string, () => EventsBackend, boolean][] = [
  ["SQLite", sqliteBackend, false],
  ["PostgreSQL", postgresBackend, skipPg],
  ["PostgreSQL + JetStream", jetstreamBackend, skipNats],
];

describe.each(backends)("handler concurrency: %s", (_name, backend, skip) => {
  let fixture: EventsFixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
    fixture = undefined;
  });

  it.skipIf(skip)(
    "runs at most `concurrency` handlers at once and processes every event once",
    async () => {
      const seen: string[] = [];
      let running = 0;
      let most = 0;
      fixture = createEventsFixture(backend());
      const app = await fixture.start({
        services: [
          ordersImpl,
          consumerService("email", [
            subscribe(
              placed,
              async (_ctx, event) => {
                running++;
                most = Math.max(most, running);
                await new Promise((resolve) => setTimeout(resolve, 5));
                seen.push(event.orderId);
                running--;
              },
              { concurrency: 3 },
            ),
          ]),
        ],
      });
      await app.client(orders).placeMany({ count: 60 });
      await until(() => seen.length >= 60, 30_000, "60 deliveries");
      await until(
        async () => (await events(app).stats()).deliveries.done === 60,
        15_000,
        "60 deliveries recorded",
      );
      expect(most).toBeLessThanOrEqual(3);
      expect(new Set(seen).size).toBe(60);
      expect(seen).toHaveLength(60);
      const marks = await storeOf(app).query<{ n: number | string }>(
        sql`select count(*) as n from weft_inbox where consumer = ${"email/order.placed"} and part = 0`,
      );
      expect(Number(marks[0]?.n)).toBe(60);
    },
  );
});
