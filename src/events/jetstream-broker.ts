/**
 * The broker when the app is split: NATS JetStream. One stream per app (`WEFT_EVENTS_<app>`,
 * subjects `weft-events.<app>.<topic>`), events published with `Nats-Msg-Id` = event id (the
 * server drops a repeat within its 2-minute window; a relayed batch goes out at once and its
 * acknowledgements are awaited together), and one durable pull consumer per
 * subscribing service and topic, shared by the service's replicas (queue semantics: each event
 * goes to one replica). Acknowledged after the inbox recorded it; a failure is NAKed with the
 * retry's backoff; a process that dies leaves its messages unacknowledged until `ack_wait` ends,
 * then they are delivered again. Uses only NATS 2.9 features.
 */
import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { connect, headers, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { App } from "../core/index.js";
import { NATS_CONFIG } from "../transport/nats/config.js";
import { connectionOptions } from "../transport/nats/connection.js";
import { durableName, eventSubject, eventWildcard, streamName } from "../transport/subjects.js";
import type { EventBroker } from "./broker.js";
import { stagedDelivery } from "./dispatcher.js";
import type { EventEnvelope } from "./envelope.js";
import { ConsumerLoop, HEADER } from "./jetstream-consumer.js";
import { JetStreamPublisher, type OutgoingMessage } from "./jetstream-publisher.js";

/** How long the stream may take to acknowledge a relayed batch before the relay tries again. */
const PUBLISH_TIMEOUT_MS = 10_000;

/** Options of {@link createJetStreamBroker}. */
export interface JetStreamBrokerOptions {
  readonly app: App;
  /** How long the stream keeps events. */
  readonly streamMaxAgeMs: number;
  /** Stream replicas (1 on a single server). */
  readonly replicas: number;
}

/** Connects to NATS and makes the JetStream broker. */
export async function createJetStreamBroker(options: JetStreamBrokerOptions): Promise<EventBroker> {
  const { app } = options;
  const stream = streamName(app.name);
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  const loops: ConsumerLoop[] = [];
  const encoder = new TextEncoder();

  let publisher: JetStreamPublisher | undefined;
  const message = (event: EventEnvelope, msgID: string): OutgoingMessage => {
    const h = headers();
    // The server drops a message whose id it saw within the stream's duplicate window.
    h.set("Nats-Msg-Id", msgID);
    h.set(HEADER.id, event.id);
    h.set(HEADER.at, String(event.publishedAt));
    if (event.key !== undefined) h.set(HEADER.key, event.key);
    if (event.traceparent !== undefined) h.set(HEADER.trace, event.traceparent);
    if (event.target !== undefined) h.set(HEADER.target, event.target);
    return {
      subject: eventSubject(app.name, event.topic),
      data: encoder.encode(event.payload),
      headers: h,
    };
  };
  const send = (events: readonly OutgoingMessage[]) =>
    (publisher as JetStreamPublisher).publish(events);

  return {
    name: "jetstream",
    async start() {
      nc = await connect(
        connectionOptions(
          app.config.get(NATS_CONFIG).url ?? "",
          app.config.get(NATS_CONFIG).auth,
          `${app.name} events`,
          app.name,
        ),
      );
      jsm = await jetstreamManager(nc);
      js = jetstream(nc);
      publisher = new JetStreamPublisher(nc, PUBLISH_TIMEOUT_MS, app.name);
      const config = {
        name: stream,
        subjects: [eventWildcard(app.name)],
        storage: StorageType.File,
        max_age: nanos(options.streamMaxAgeMs),
        duplicate_window: nanos(120_000),
        num_replicas: options.replicas,
      };
      try {
        await jsm.streams.info(stream);
      } catch {
        try {
          await jsm.streams.add(config);
        } catch (error) {
          // Another process created it meanwhile.
          await jsm.streams.info(stream).catch(() => {
            throw error;
          });
        }
      }
    },
    async publish(batch) {
      // Every event of the batch in flight at once; acknowledged together.
      await send(batch.map((event) => message(event, event.id)));
    },
    async consume(consumer, deliver) {
      const manager = jsm as JetStreamManager;
      const durable = durableName(consumer.name);
      const { subscription } = consumer;
      try {
        await manager.consumers.info(stream, durable);
      } catch {
        await manager.consumers.add(stream, {
          durable_name: durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: eventSubject(app.name, subscription.topic.name),
          // Past the handler's time limit, the message is delivered again.
          ack_wait: nanos(subscription.timeoutMs + 5_000),
          max_deliver: -1,
          max_ack_pending: Math.max(1_000, subscription.concurrency * 4),
        });
      }
      const loop = new ConsumerLoop(consumer, stagedDelivery(deliver), app);
      loops.push(loop);
      await loop.start(js as JetStreamClient, stream, durable);
    },
    async redrive(consumer, event) {
      await send([message({ ...event, target: consumer }, `${event.id}:redrive:${Date.now()}`)]);
    },
    async drain(deadline) {
      await Promise.all(loops.map((l) => l.drain(deadline)));
    },
    async close() {
      for (const l of loops) l.stop();
      loops.length = 0;
      const conn = nc;
      nc = undefined;
      await conn?.drain().catch(() => conn.close());
    },
  };
}
