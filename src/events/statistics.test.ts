/**
 * The events' tables get planner statistics from the process itself while they first grow on
 * PostgreSQL (see statistics.ts): after 1,000 events the tables have been analyzed, without
 * waiting for autovacuum.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, method } from "../core/index.js";
import { schemaName } from "../store/extension.js";
import { sql } from "../store/index.js";
import { unreachable } from "../testing/services.js";
import {
  consumerService,
  createEventsFixture,
  type EventsFixture,
  Order,
  postgresBackend,
  storeOf,
  until,
} from "./conformance/harness.js";
import { subscribe } from "./subscribe.js";
import { defineTopic } from "./topic.js";

const skip = await unreachable("postgres");
const placed = defineTopic("order.placed", Order);

const orders = defineService("orders", {
  placeMany: method({ input: z.object({ from: z.number(), count: z.number() }), output: z.null() }),
});
const ordersImpl = orders.implement({
  async placeMany(ctx, { from, count }) {
    await ctx.tx(async (tx) => {
      for (let i = from; i < from + count; i++)
        await tx.publish(placed, { orderId: `o${i}`, total: i });
    });
    return null;
  },
});

describe.skipIf(skip)("planner statistics of the events' tables", () => {
  let fixture: EventsFixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
  });

  it("are taken by the process itself as the tables first grow, without waiting for autovacuum", async () => {
    fixture = createEventsFixture(postgresBackend());
    let handled = 0;
    const app = await fixture.start({
      services: [
        ordersImpl,
        consumerService("email", [
          subscribe(placed, async () => {
            handled++;
          }),
        ]),
      ],
      topics: [placed],
    });
    const schema = schemaName(fixture.name);
    const analyzed = async () => {
      const rows = await storeOf(app).query<{ relname: string }>(sql`
        select relname from pg_stat_user_tables
        where schemaname = ${schema} and last_analyze is not null
          and relname in ('weft_outbox', 'weft_inbox', 'weft_event_queue')`);
      return rows.map((r) => r.relname).sort();
    };
    // Autovacuum is off for the tables in this test, so any statistics come from the process.
    for (const table of ["weft_outbox", "weft_inbox", "weft_event_queue"])
      await storeOf(app).execute(
        sql`alter table ${sql.ident(table)} set (autovacuum_enabled = false)`,
      );
    expect(await analyzed()).toEqual([]);
    const client = app.client(orders);
    for (let batch = 0; batch < 6; batch++)
      await client.placeMany({ from: batch * 100, count: 100 });
    await until(() => handled === 600, 30_000, "600 events handled");
    await until(async () => (await analyzed()).length === 3, 10_000, "the tables analyzed");
    expect(await analyzed()).toEqual(["weft_event_queue", "weft_inbox", "weft_outbox"]);
  });
});
