/**
 * The events conformance suite's harness: each test gets its own app name (hence its own
 * PostgreSQL schema, SQLite file or JetStream stream), starts apps on the backend under test, and
 * removes everything after.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import {
  type App,
  type ConfigInput,
  defineApp,
  defineService,
  type ServiceImplementation,
  type TopicLike,
  type WorkflowLike,
} from "../../core/index.js";
import { createApp } from "../../create-app.js";
import { STORE } from "../../store/extension.js";
import { sql } from "../../store/index.js";
import { dropAppSchema } from "../../testing/app-schema.js";
import { deleteEventStream } from "../../testing/event-streams.js";
import { TEST_SERVERS } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import type { EventsOptions } from "../extension.js";

/** A backend the suite runs on. */
export interface EventsBackend {
  readonly name: string;
  /** Config of an app named `app` on this backend. */
  config(app: string): Promise<ConfigInput>;
  /** Removes what apps named `app` left (schema, files, stream). */
  cleanup(app: string): Promise<void>;
}

const pg = TEST_SERVERS.postgres;
const nats = TEST_SERVERS.nats;
/** The shared PostgreSQL test database. */
export const POSTGRES_URL = `postgres://postgres@${pg.host}:${pg.port}/test`;
/** The shared NATS test server. */
export const NATS_URL = `nats://${nats.host}:${nats.port}`;

/** SQLite files in a temp folder, in-process broker. */
export function sqliteBackend(): EventsBackend {
  const dirs = new Map<string, string>();
  return {
    name: "sqlite",
    async config(app) {
      const dir = dirs.get(app) ?? (await mkdtemp(join(tmpdir(), "weft-events-")));
      dirs.set(app, dir);
      return { dataDir: dir };
    },
    async cleanup(app) {
      const dir = dirs.get(app);
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    },
  };
}

function dropSchema(app: string): Promise<void> {
  return dropAppSchema(POSTGRES_URL, app);
}

/** A PostgreSQL schema per app, in-process broker. */
export function postgresBackend(): EventsBackend {
  return {
    name: "postgres",
    config: async () => ({ databaseUrl: POSTGRES_URL }),
    cleanup: dropSchema,
  };
}

/** A PostgreSQL schema and a JetStream stream per app: the split deployment's broker. */
export function jetstreamBackend(): EventsBackend {
  return {
    name: "postgres+jetstream",
    config: async () => ({ databaseUrl: POSTGRES_URL, natsUrl: NATS_URL }),
    async cleanup(app) {
      await dropSchema(app);
      await deleteEventStream(NATS_URL, app);
    },
  };
}

/** A test's fixture: its app name, apps started on the backend, cleanup. */
export interface EventsFixture {
  readonly name: string;
  /** Starts an app (services, topics) on the backend; stopped after the test. */
  start(
    spec: {
      services: readonly ServiceImplementation[];
      topics?: readonly TopicLike[];
      workflows?: readonly WorkflowLike[];
      groups?: Record<string, string[]>;
    },
    options?: { group?: string; events?: EventsOptions; observe?: boolean },
  ): Promise<App>;
  /** Stops every app and removes the test's data. */
  dispose(): Promise<void>;
}

/** Makes one test's fixture. */
export function createEventsFixture(backend: EventsBackend): EventsFixture {
  const name = uniqueName("ev");
  const apps: App[] = [];
  return {
    name,
    async start(spec, options = {}) {
      const config = await backend.config(name);
      const app = createApp(
        defineApp({
          name,
          services: spec.services,
          topics: spec.topics ?? [],
          workflows: spec.workflows ?? [],
          ...(spec.groups ? { groups: spec.groups } : {}),
        }),
        {
          env: {},
          config: { ...config, logLevel: "silent" },
          ...(options.group === undefined ? {} : { group: options.group }),
          ...(options.observe === undefined ? {} : { observe: options.observe }),
          events: { pollMs: 50, relay: { pollMs: 50 }, ...options.events },
        },
      );
      apps.push(app);
      await app.start();
      // The suite's own tables (a service would migrate them in a beforeStart hook).
      await app
        .use(STORE)
        .execute(
          sql`create table if not exists ev_orders (id text primary key, total integer not null)`,
        );
      await app
        .use(STORE)
        .execute(sql`create table if not exists ev_points (order_id text, points integer)`);
      return app;
    },
    async dispose() {
      await Promise.all(apps.map((a) => a.stop({ grace: "2s" }).catch(() => {})));
      await backend.cleanup(name);
    },
  };
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = "condition",
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A service with no methods, to hang subscriptions on. */
export function consumerService(
  name: string,
  subscriptions: ServiceImplementation["subscriptions"],
): ServiceImplementation {
  return defineService(name, {}).implement({}, { subscriptions });
}

/** Runs SQL on an app's store. */
export function storeOf(app: App) {
  return app.use(STORE);
}

/** An order event schema used across the suite. */
export const Order = z.object({ orderId: z.string(), total: z.number().int().nonnegative() });
