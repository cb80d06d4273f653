/**
 * The relay's JetStream publishing: a batch resolves only once the stream holds every message (so
 * the relay never marks an event published before), repeats are dropped by `Nats-Msg-Id`, and a
 * subject no stream takes fails the batch with UNAVAILABLE instead of hanging.
 */
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectWeftError } from "../testing/expect-weft-error.js";
import { unreachable } from "../testing/services.js";
import { uniqueName } from "../testing/unique-name.js";
import { NATS_URL } from "./conformance/harness.js";
import { JetStreamPublisher, type OutgoingMessage } from "./jetstream-publisher.js";

const skip = await unreachable("nats");

describe.skipIf(skip)("JetStreamPublisher", () => {
  const name = uniqueName("evpub");
  const stream = `WEFT_TEST_${name}`;
  const encoder = new TextEncoder();
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: stream, subjects: [`${name}.>`] });
  });
  afterAll(async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => {});
    await nc.close();
  });

  const message = (subject: string, id: string): OutgoingMessage => {
    const h = headers();
    h.set("Nats-Msg-Id", id);
    return { subject, data: encoder.encode(JSON.stringify({ id })), headers: h };
  };
  const messagesInStream = async () =>
    (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;

  it("resolves once the stream holds every message of the batch, and drops repeats", async () => {
    const publisher = new JetStreamPublisher(nc, 10_000, name);
    const batch = Array.from({ length: 200 }, (_, i) => message(`${name}.placed`, `e${i}`));
    await publisher.publish(batch);
    expect(await messagesInStream()).toBe(200);
    // The relay hands a batch on again after a crash: the server keeps one copy of each.
    await publisher.publish(batch.slice(0, 50));
    expect(await messagesInStream()).toBe(200);
  });

  it("fails the batch with UNAVAILABLE when no stream takes the subject", async () => {
    const publisher = new JetStreamPublisher(nc, 10_000, name);
    await expectWeftError(
      publisher.publish([message(`${name}_nowhere.placed`, "x1")]),
      "UNAVAILABLE",
      "EVENT_STREAM_UNAVAILABLE",
    );
  });
});
