/**
 * The composition root: `createApp` from `weft` is core's `createApp` wired with the defaults a
 * production app wants — retries (only when safe) and a circuit breaker on every call that leaves
 * the process, the NATS transport when `WEFT_NATS_URL` is set, and, when the app has workflows or
 * asks for `store: true`, a store (SQLite file, or PostgreSQL with `WEFT_DATABASE_URL`) and the
 * workflow engine — so splitting an app is configuration alone. Drivers load only when used.
 *
 * @example
 * ```ts
 * import { createApp } from "weft";
 * const app = createApp(shop); // WEFT_GROUP=orders WEFT_NATS_URL=nats://… splits it
 * ```
 */

import { WEFT_CONFIG_SLICES } from "./config-slices.js";
import {
  type App,
  type AppDefinition,
  type AppExtension,
  type AppOptions,
  type AppSpec,
  createApp as createCoreApp,
  defineApp,
  type Transport,
  unavailable,
  type WeftConfig,
} from "./core/index.js";
import { mountDashboard } from "./dashboard/index.js";
import { type EventsOptions, eventsExtension } from "./events/extension.js";
import { type ObserveAppOptions, observeApp, transportCheck } from "./observe/compose.js";
import { circuitBreaker, retry } from "./resilience/index.js";
import { type DiskWatch, watchDisk } from "./store/disk-watch.js";
import {
  missingTxMembers,
  openStore,
  STORE,
  storeExtension,
  storeLocation,
} from "./store/extension.js";
import { sql } from "./store/sql.js";
import type { Store } from "./store/types.js";
import { NATS_CONFIG } from "./transport/nats/config.js";
import type { AnyWorkflow } from "./workflow/authoring/types.js";
import { workflows } from "./workflow/client.js";
import type { Clock } from "./workflow/engine/host.js";
import { workflowExtension } from "./workflow/extension.js";

/** A transport whose module loads on start, so apps that never split never load a NATS client. */
function lazyNats(config: WeftConfig): Transport & { readonly connected: boolean } {
  let inner: (Transport & { readonly connected: boolean }) | undefined;
  return {
    name: "nats",
    get connected() {
      return inner?.connected ?? false;
    },
    async serve(host, services) {
      const { createNatsTransport } = await import("./transport/nats/index.js");
      const { url, auth } = config.get(NATS_CONFIG);
      inner = createNatsTransport({ servers: url ?? "", auth });
      await inner.serve(host, services);
    },
    call(ctx, input) {
      if (inner === undefined) {
        const what = `${ctx.service}.${ctx.method}`;
        return Promise.reject(
          unavailable(
            "TRANSPORT_NOT_STARTED",
            `${what} was not sent: the nats transport is not started (start the app first)`,
            { mayHaveRun: false },
          ),
        );
      }
      return inner.call(ctx, input);
    },
    async stopIntake() {
      await inner?.stopIntake();
    },
    async close() {
      await inner?.close();
    },
  };
}

/** Options of {@link createApp}: core's, plus the store, workflow engine, events and observability's. */
export interface WeftAppOptions extends AppOptions, ObserveAppOptions {
  /** Opens the app's store. Default: from config (PostgreSQL URL, else SQLite under dataDir). */
  store?: () => Promise<Store>;
  /** Workflow engine tuning (mostly for tests: a fake clock, short leases). */
  workflow?: { leaseMs?: number; pollMs?: number; clock?: Clock; maxConcurrent?: number };
  /** Events tuning: retention, relay batch and poll, stream settings. */
  events?: Omit<EventsOptions, "execute">;
}

/**
 * Creates an app with Weft's defaults: `retry()` and `circuitBreaker()` on remote calls (replace
 * them with `resilience: [...]`, or `[]` for none), the NATS transport when `natsUrl` is set
 * (unless `transport` is given), and the store and workflow engine when the app needs them.
 */
export function createApp(definition: AppDefinition | AppSpec, options: WeftAppOptions = {}): App {
  const def =
    (definition as AppDefinition).kind === "weft.app"
      ? (definition as AppDefinition)
      : defineApp(definition);
  // Spans, metrics and the admin server (docs/observability.md): first in, last out.
  // Readiness says "not ready" while writes fail with a full disk (a `SELECT 1` still answers).
  let disk: DiskWatch | undefined;
  const observed = observeApp(options, {
    configs: [def.config, options.config],
    env: options.env ?? process.env,
    checks: def.store
      ? {
          store: async (app: App) => {
            await app.use(STORE).query(sql`select 1`);
            await disk?.check();
          },
        }
      : {},
    workflows: def.workflows.length > 0 ? (app) => workflows(app) : undefined,
  });
  const extensions: AppExtension[] = [
    { name: "config", configSlices: WEFT_CONFIG_SLICES },
    ...(observed?.extensions ?? []),
    ...(options.extensions ?? []),
  ];
  if (def.store) {
    // The app's resolved config (and name) decide where its store lives.
    const open = options.store;
    const store = storeExtension(async (app) => {
      const location = open === undefined ? storeLocation(app.config, app.name) : undefined;
      const opened = await (open === undefined ? openStore(app.config, app.name) : open());
      disk = watchDisk(opened, location?.dialect === "sqlite" ? location.path : undefined);
      return disk.store;
    });
    extensions.push(store);
    if (def.topics.length > 0) {
      extensions.push(
        eventsExtension(store, def, { ...options.events, execute: options.clientOnly !== true }),
      );
    } else {
      store.extendTx(
        missingTxMembers(
          ["publish"],
          "EVENTS_NOT_CONFIGURED",
          `app ${def.name} has no topics: tx.publish needs them in defineApp({ topics: [...] }) (or subscriptions)`,
        ),
      );
    }
    if (def.workflows.length > 0) {
      extensions.push(
        workflowExtension(store, {
          workflows: def.workflows as readonly AnyWorkflow[],
          // A client-only process starts and manages runs; the workers execute them.
          execute: options.clientOnly !== true,
          ...options.workflow,
        }),
      );
    } else {
      store.extendTx(
        missingTxMembers(
          ["start"],
          "WORKFLOWS_NOT_CONFIGURED",
          `app ${def.name} has no workflows: tx.start needs them in defineApp({ workflows: [...] })`,
        ),
      );
    }
  }
  const given = options.observer;
  const app = createCoreApp(def, {
    ...options,
    extensions,
    resilience: options.resilience ?? [retry(), circuitBreaker()],
    observer:
      observed === undefined || given === undefined
        ? (observed?.observer ?? given)
        : {
            onSpan(span) {
              observed.observer.onSpan(span);
              given.onSpan(span);
            },
          },
    transport: (config: WeftConfig) => {
      const remote =
        typeof options.transport === "function"
          ? options.transport(config)
          : (options.transport ??
            (config.get(NATS_CONFIG).url === undefined ? undefined : lazyNats(config)));
      const check = remote === undefined ? undefined : transportCheck(remote);
      if (check !== undefined && remote !== undefined) observed?.admin?.check(remote.name, check);
      return remote;
    },
  });
  // The dashboard's pages and API on the admin server (docs/dashboard.md).
  if (observed?.admin !== undefined) mountDashboard(app, { definition: def });
  return app;
}
