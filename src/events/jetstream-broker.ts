/**
 * The broker when the app is split: NATS JetStream. One stream per app (`WEFT_EVENTS_<app>`,
 * subjects `weft-events.<app>.<topic>`), events published with `Nats-Msg-Id` = event id (the
 * server drops a repeat within its 2-minute window), and one durable pull consumer per
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
  type JsMsg,
  jetstream,
  jetstreamManager,
  StorageType,
} from "@nats-io/jetstream";
import { connect, headers, type NatsConnection, nanos } from "@nats-io/transport-node";
import type { App } from "../core/index.js";
import { connectionOptions } from "../transport/nats/connection.js";
import type { Consumer, Deliver, EventBroker } from "./broker.js";
import type { EventEnvelope } from "./envelope.js";
import { durableName, eventSubject, streamName } from "./names.js";

/** Options of {@link createJetStreamBroker}. */
export interface JetStreamBrokerOptions {
  readonly app: App;
  /** How long the stream keeps events. */
  readonly streamMaxAgeMs: number;
  /** Stream replicas (1 on a single server). */
  readonly replicas: number;
}

const HEADER = {
  id: "Weft-Event-Id",
  key: "Weft-Event-Key",
  at: "Weft-Published-At",
  target: "Weft-Target",
  trace: "traceparent",
} as const;

/** Connects to NATS and makes the JetStream broker. */
export async function createJetStreamBroker(options: JetStreamBrokerOptions): Promise<EventBroker> {
  const { app } = options;
  const stream = streamName(app.name);
  let nc: NatsConnection | undefined;
  let js: JetStreamClient | undefined;
  let jsm: JetStreamManager | undefined;
  const loops: ConsumerLoop[] = [];
  const encoder = new TextEncoder();

  const send = async (event: EventEnvelope, msgID: string) => {
    const h = headers();
    h.set(HEADER.id, event.id);
    h.set(HEADER.at, String(event.publishedAt));
    if (event.key !== undefined) h.set(HEADER.key, event.key);
    if (event.traceparent !== undefined) h.set(HEADER.trace, event.traceparent);
    if (event.target !== undefined) h.set(HEADER.target, event.target);
    await (js as JetStreamClient).publish(
      eventSubject(app.name, event.topic),
      encoder.encode(event.payload),
      {
        msgID,
        headers: h,
      },
    );
  };

  return {
    name: "jetstream",
    async start() {
      nc = await connect(
        connectionOptions(app.config.natsUrl ?? "", app.config.nats, `${app.name} events`),
      );
      jsm = await jetstreamManager(nc);
      js = jetstream(nc);
      const config = {
        name: stream,
        subjects: [`weft-events.${app.name}.>`],
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
      await Promise.all(batch.map((event) => send(event, event.id)));
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
      const loop = new ConsumerLoop(consumer, deliver, app);
      loops.push(loop);
      await loop.start(js as JetStreamClient, stream, durable);
    },
    async redrive(consumer, event) {
      await send({ ...event, target: consumer }, `${event.id}:redrive:${Date.now()}`);
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

/** One consumer's fetch-and-handle loop, at most `concurrency` messages in hand. */
class ConsumerLoop {
  private inflight = 0;
  private running = true;
  private slot: (() => void) | undefined;
  private idle: (() => void) | undefined;
  private messages: { stop(): void } | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly deliver: Deliver,
    private readonly app: App,
  ) {}

  async start(js: JetStreamClient, stream: string, durable: string): Promise<void> {
    const c = await js.consumers.get(stream, durable);
    const concurrency = this.consumer.subscription.concurrency;
    const messages = await c.consume({ max_messages: concurrency });
    this.messages = messages;
    void (async () => {
      for await (const m of messages) {
        if (!this.running) break;
        this.inflight++;
        void this.handle(m);
        if (this.inflight >= concurrency) {
          await new Promise<void>((resolve) => {
            this.slot = resolve;
          });
        }
      }
    })().catch((err: unknown) => {
      if (this.running)
        this.app.logger.error({ err, consumer: this.consumer.name }, "event consumer stopped");
    });
  }

  private async handle(m: JsMsg): Promise<void> {
    try {
      const outcome = await this.deliver(
        this.consumer,
        envelopeOf(m, this.consumer),
        m.info.deliveryCount,
      );
      if (outcome.kind === "retry") m.nak(outcome.delayMs);
      else m.ack();
    } catch (error) {
      this.app.logger.warn(
        { err: error, consumer: this.consumer.name },
        "delivery failed; redelivering",
      );
      m.nak(1_000);
    } finally {
      this.inflight--;
      const slot = this.slot;
      this.slot = undefined;
      slot?.();
      if (this.inflight === 0) this.idle?.();
    }
  }

  async drain(deadline: number): Promise<void> {
    this.stop();
    if (this.inflight === 0) return;
    await new Promise<void>((resolve) => {
      this.idle = resolve;
      setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
    });
  }

  stop(): void {
    this.running = false;
    this.messages?.stop();
    const slot = this.slot;
    this.slot = undefined;
    slot?.();
  }
}

/** Reads an event from a message (a message published by hand gets its stream position as id). */
function envelopeOf(m: JsMsg, consumer: Consumer): EventEnvelope {
  const h = m.headers;
  const at = Number(h?.get(HEADER.at));
  const target = h?.get(HEADER.target);
  return {
    id: h?.get(HEADER.id) || h?.get("Nats-Msg-Id") || `${m.info.stream}:${m.seq}`,
    topic: consumer.subscription.topic.name,
    key: h?.get(HEADER.key) || undefined,
    payload: m.string(),
    traceparent: h?.get(HEADER.trace) || undefined,
    publishedAt: Number.isFinite(at) && at > 0 ? at : Math.floor(m.info.timestampNanos / 1e6),
    ...(target ? { target } : {}),
  };
}
