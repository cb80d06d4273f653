/**
 * Messages put on an app's JetStream stream by something other than Weft — a script, another
 * language's client, a buggy tool — with raw NATS: a malformed or schema-breaking payload becomes
 * a dead letter at once, with the reason, while valid messages around it are handled; a valid
 * message without Weft's headers is handled once, its id being its stream position.
 */
import { connect } from "@nats-io/transport-node";
import { afterEach, describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import { eventSubject } from "../transport/subjects.js";
import { events } from "./client.js";
import {
  consumerService,
  createEventsFixture,
  type EventsFixture,
  jetstreamBackend,
  NATS_URL,
  Order,
  until,
} from "./conformance/harness.js";
import { subscribe } from "./subscribe.js";
import { defineTopic } from "./topic.js";

const skip = (await unreachable("postgres")) || (await unreachable("nats"));
const orderPlaced = defineTopic("order.placed", Order);

describe.skipIf(skip)("raw messages on the events stream", () => {
  let fixture: EventsFixture | undefined;
  afterEach(async () => {
    await fixture?.dispose();
  });

  it("dead-letters malformed and schema-breaking payloads with the reason, and handles the valid ones once", async () => {
    fixture = createEventsFixture(jetstreamBackend());
    const seen: string[] = [];
    const app = await fixture.start({
      services: [
        consumerService("email", [
          subscribe(orderPlaced, async (_ctx, event) => {
            seen.push(event.orderId);
          }),
        ]),
      ],
      topics: [orderPlaced],
    });
    const nc = await connect({ servers: NATS_URL });
    try {
      const subject = eventSubject(fixture.name, "order.placed");
      const enc = new TextEncoder();
      // Core NATS publishes: the stream captures its subjects whoever sends.
      nc.publish(subject, enc.encode(JSON.stringify({ orderId: "raw-1", total: 3 })));
      nc.publish(subject, enc.encode("{ not json"));
      nc.publish(subject, enc.encode(JSON.stringify({ orderId: 7, total: -1 })));
      nc.publish(subject, enc.encode(JSON.stringify({ orderId: "raw-2", total: 4 })));
      await nc.flush();
      await until(
        async () => (await events(app).deadLetters()).length === 2 && seen.length === 2,
        20_000,
        "two dead letters and two handled events",
      );
      const dead = await events(app).deadLetters();
      const byReason = Object.fromEntries(dead.map((d) => [d.error.reason, d]));
      expect(Object.keys(byReason).sort()).toEqual(["EVENT_INVALID", "EVENT_MALFORMED"]);
      expect(byReason.EVENT_MALFORMED?.event.payload).toBe("{ not json");
      expect(byReason.EVENT_INVALID?.error.message).toMatch(/orderId|total/);
      expect(dead.every((d) => d.attempts === 1 && d.consumer === "email/order.placed")).toBe(true);
      // Ids of messages without Weft's headers: the stream and the message's position.
      expect(dead.every((d) => /:\d+$/.test(d.event.id))).toBe(true);
      expect(seen.sort()).toEqual(["raw-1", "raw-2"]);
      // Handled once: a moment later nothing came again.
      await new Promise((r) => setTimeout(r, 300));
      expect(seen).toHaveLength(2);
    } finally {
      await nc.close();
    }
  });
});
