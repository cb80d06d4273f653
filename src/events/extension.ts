/**
 * Events as an app extension: migrates the events' tables, provides `ctx.publish` and the events
 * client, relays the outbox once the app serves, consumes the subscriptions of the services that
 * run in this process, records event handlers' transactions in their inbox, applies retention,
 * and drains with the app. The broker is the in-process queue, or NATS JetStream when the app has
 * `natsUrl` (split across processes).
 */
import {
  type App,
  type AppExtension,
  type Duration,
  type ExtensionKey,
  failedPrecondition,
  notFound,
  type ServiceImplementation,
  type TopicLike,
  toMilliseconds,
} from "../core/index.js";
import type { StoreExtension } from "../store/extension.js";
import { NATS_CONFIG } from "../transport/nats/config.js";
import type { Consumer, EventBroker } from "./broker.js";
import { EVENTS, type EventsClient } from "./client.js";
import { Dispatcher } from "./dispatcher.js";
import type { EventEnvelope } from "./envelope.js";
import { EventStore } from "./event-store.js";
import { createLocalBroker } from "./local-broker.js";
import { eventMetrics } from "./metrics.js";
import { PUBLISHER, type PublishOptions } from "./publish.js";
import { createPublisher, type OutboxPublisher } from "./publisher.js";
import { Relay, type RelayOptions } from "./relay.js";
import { EVENT_MIGRATIONS } from "./schema.js";
import { statisticsCatchUp } from "./statistics.js";
import { consumerName, isSubscription } from "./subscribe.js";

/** How long the events' records are kept. */
export interface EventRetention {
  /** Published outbox rows. Default 1 h (unpublished rows are never deleted). */
  readonly outbox?: Duration;
  /**
   * Inbox records (what each consumer processed). Keep them longer than an event can be
   * delivered again: the JetStream stream's max age. Default 7 d (the stream's default too).
   */
  readonly inbox?: Duration;
  /** Dead letters. Default 30 d. */
  readonly deadLetters?: Duration;
}

/** Options of {@link eventsExtension}. */
export interface EventsOptions {
  /** Consume and relay in this process. Default true (false for client-only apps). */
  readonly execute?: boolean;
  readonly relay?: RelayOptions;
  /** Retention policies. */
  readonly retention?: EventRetention;
  /** How often retention runs. Default 10 min. */
  readonly cleanupEvery?: Duration;
  /** How often idle in-process consumers look for due retries. Default 250 ms. */
  readonly pollMs?: number;
  /** The broker; default: JetStream when the app's config has `natsUrl`, else in-process. */
  readonly broker?: (
    app: App,
    events: EventStore,
    consumersOf: (topic: string) => readonly string[],
  ) => Promise<EventBroker>;
  /** JetStream stream settings (when split). */
  readonly stream?: { readonly maxAge?: Duration; readonly replicas?: number };
}

/** The events extension; `dispatcher` is there once started (tests read its counts). */
export interface EventsExtension extends AppExtension {
  readonly dispatcher: Dispatcher | undefined;
  readonly relay: Relay | undefined;
}

/** Makes the events extension of an app. */
export function eventsExtension(
  store: StoreExtension,
  definition: {
    readonly topics: readonly TopicLike[];
    readonly services: readonly ServiceImplementation[];
  },
  options: EventsOptions = {},
): EventsExtension {
  const topics = new Map(definition.topics.map((t) => [t.name, t]));
  const consumers: Consumer[] = definition.services.flatMap((impl) =>
    impl.subscriptions.filter(isSubscription).map((subscription) => ({
      name: consumerName(impl.contract.name, subscription.topic.name),
      service: impl.contract.name,
      subscription,
    })),
  );
  const consumersOf = (topic: string) =>
    consumers.filter((c) => c.subscription.topic.name === topic).map((c) => c.name);
  let events: EventStore | undefined;
  let broker: EventBroker | undefined;
  let dispatcher: Dispatcher | undefined;
  let relay: Relay | undefined;
  let relayed: ((events: readonly EventEnvelope[]) => void) | undefined;
  let cleanupTimer: NodeJS.Timeout | undefined;
  const retention = {
    outbox: toMilliseconds(options.retention?.outbox ?? "1h", "retention.outbox"),
    inbox: toMilliseconds(options.retention?.inbox ?? "7d", "retention.inbox"),
    deadLetters: toMilliseconds(options.retention?.deadLetters ?? "30d", "retention.deadLetters"),
  };
  const ready = () => {
    if (events === undefined || broker === undefined) {
      throw failedPrecondition(
        "EVENTS_NOT_STARTED",
        "events start with the app: call app.start() first",
      );
    }
    return { events, broker };
  };
  let publisher: OutboxPublisher | undefined;
  const cleanup = () => {
    const now = Date.now();
    return ready().events.cleanup({
      outbox: now - retention.outbox,
      inbox: now - retention.inbox,
      deadLetters: now - retention.deadLetters,
    });
  };
  const client: EventsClient = {
    deadLetters: (filter) => ready().events.deadLetters(filter),
    async deadLetter(id) {
      const found = await ready().events.getDeadLetter(id);
      if (found === undefined)
        throw notFound("DEAD_LETTER_NOT_FOUND", `no dead letter ${id}`, { metadata: { id } });
      return found;
    },
    async redrive(id) {
      const { events: store, broker: b } = ready();
      const dead = await client.deadLetter(id);
      await b.redrive(dead.consumer, { ...dead.event, target: dead.consumer });
      await store.markRedriven(store.store, id);
    },
    async redriveAll(filter = {}) {
      let n = 0;
      for (const dead of await client.deadLetters({ ...filter, limit: filter.limit ?? 10_000 })) {
        await client.redrive(dead.id);
        n++;
      }
      return n;
    },
    async discard(id) {
      if (!(await ready().events.discard(id)))
        throw notFound("DEAD_LETTER_NOT_FOUND", `no dead letter ${id}`, { metadata: { id } });
    },
    async stats() {
      const { events: store, broker: b } = ready();
      const backlog = await store.outboxBacklog();
      const depths = b.name === "local" ? await store.queueDepths() : new Map<string, number>();
      const dead = await store.deadLetters({ limit: 10_000 });
      return {
        broker: b.name,
        outbox: {
          pending: backlog.pending,
          oldestAgeMs:
            backlog.oldestAt === undefined ? undefined : Math.max(0, Date.now() - backlog.oldestAt),
        },
        consumers: consumers.map((c) => ({
          name: c.name,
          service: c.service,
          topic: c.subscription.topic.name,
          pending: b.name === "local" ? (depths.get(c.name) ?? 0) : undefined,
          deadLetters: dead.filter((d) => d.consumer === c.name).length,
        })),
        deliveries: {
          ...(dispatcher?.counts ?? { done: 0, duplicate: 0, skipped: 0, retried: 0, dead: 0 }),
        },
        topics: [...topics.keys()].map((name) => ({ name, consumers: consumersOf(name) })),
      };
    },
    cleanup,
  };

  // An event handler's transactions are numbered and their results recorded in its inbox, in the
  // same transaction: delivered again, the handler gets the recorded results instead of re-running
  // them, so its writes happen once.
  store.around(async (ctx, tx, fn) => {
    const handling = dispatcher?.handling.get(ctx);
    if (handling === undefined || events === undefined) return fn(tx);
    const part = ++handling.part;
    const recorded = await events.recordedResult(
      tx as never,
      handling.consumer,
      handling.eventId,
      part,
    );
    if (recorded !== undefined)
      return (recorded.result === null ? undefined : JSON.parse(recorded.result)) as never;
    const value = await fn(tx);
    await events.recordResult(
      tx as never,
      handling.consumer,
      handling.eventId,
      part,
      value === undefined ? null : JSON.stringify(value),
    );
    return value;
  });
  // `tx.publish`: one outbox row in the transaction whose handle it is; the relay looks once the
  // transaction committed.
  const nudgeRelay = () => relay?.nudge();
  store.extendTx(({ ctx, tx, afterCommit }) => ({
    publish: async (topic: TopicLike, event: unknown, publishOptions?: PublishOptions) => {
      if (publisher === undefined) ready();
      const published = await (publisher as OutboxPublisher).publishIn(
        tx,
        ctx,
        topic,
        event,
        publishOptions,
      );
      afterCommit(nudgeRelay);
      return published;
    },
  }));

  return {
    name: "events",
    configSlices: [NATS_CONFIG],
    get dispatcher() {
      return dispatcher;
    },
    get relay() {
      return relay;
    },
    async start(app) {
      events = new EventStore(store.store);
      await events.store.migrate(EVENT_MIGRATIONS, { scope: "events" });
      publisher = createPublisher({
        events: () => ready().events,
        topics,
        maxPayload: app.config.maxPayload,
        written: () => relay?.nudge(),
      });
      const open = events;
      broker =
        options.broker !== undefined
          ? await options.broker(app, open, consumersOf)
          : app.config.get(NATS_CONFIG).url !== undefined
            ? await (await import("./jetstream-broker.js")).createJetStreamBroker({
                app,
                streamMaxAgeMs: toMilliseconds(options.stream?.maxAge ?? "7d", "stream.maxAge"),
                replicas: options.stream?.replicas ?? 1,
              })
            : createLocalBroker({
                events: open,
                consumersOf,
                logger: app.logger,
                ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
              });
      await broker.start();
      const counted = eventMetrics(app);
      const grew = statisticsCatchUp(open, app.logger);
      dispatcher = new Dispatcher(app, open, (consumer, event, outcome) => {
        grew(1);
        counted.processed?.(consumer, event, outcome);
      });
      relayed = (batch) => {
        grew(batch.length);
        counted.relayed?.(batch);
      };
    },
    async started(app) {
      if (
        options.execute === false ||
        events === undefined ||
        broker === undefined ||
        dispatcher === undefined
      )
        return;
      relay = new Relay(events, broker, app.logger, options.relay, relayed);
      relay.start();
      for (const consumer of consumers) {
        if (app.placement.local.has(consumer.service))
          await broker.consume(consumer, dispatcher.deliver);
      }
      cleanupTimer = setInterval(
        () => {
          cleanup().catch((err: unknown) => app.logger.warn({ err }, "events retention failed"));
        },
        toMilliseconds(options.cleanupEvery ?? "10m", "cleanupEvery"),
      );
      cleanupTimer.unref();
    },
    async drain(deadline) {
      clearInterval(cleanupTimer);
      await relay?.stop();
      await broker?.drain(deadline);
    },
    async stop() {
      clearInterval(cleanupTimer);
      await relay?.stop();
      await broker?.close();
      broker = undefined;
      events = undefined;
    },
    provide(key: ExtensionKey<unknown>) {
      if (key === PUBLISHER) return events === undefined ? undefined : publisher;
      if (key === EVENTS) return events === undefined ? undefined : client;
      return undefined;
    },
  };
}
