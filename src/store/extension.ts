/**
 * The app's store as an app extension: opened before the app serves (PostgreSQL when
 * `databaseUrl` is set, in a schema named after the app; otherwise a SQLite file
 * `<dataDir>/<app>.sqlite`), giving `ctx.tx` its transactions, closed after the app drained.
 * Drivers load only here, and only the one in use.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { join } from "node:path";
import {
  type App,
  type AppExtension,
  type CallContext,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
  type Transactor,
  type TxHandle,
  type WeftConfig,
} from "../core/index.js";
import { STORE_CONFIG } from "./config.js";
import type { Store } from "./types.js";

/**
 * The key under which an app provides its open store (`app.use(STORE)` in a `beforeStart` hook to
 * migrate and seed the services' own tables).
 */
export const STORE: ExtensionKey<Store> = extensionKey<Store>(
  "store (add `store: true` or workflows to defineApp)",
);

/** Wraps `ctx.tx` transactions (the events record an event handler's transactions in its inbox). */
export type TxInterceptor = <T>(
  ctx: CallContext,
  tx: TxHandle,
  fn: (tx: TxHandle) => Promise<T>,
) => Promise<T>;

/** The store extension, with the store once open. */
export interface StoreExtension extends AppExtension {
  /** The open store (throws before start). */
  readonly store: Store;
  /** Runs `interceptor` around the body of every `ctx.tx` (inside the transaction). */
  around(interceptor: TxInterceptor): void;
  /** Calls `listener` after every outermost `ctx.tx` commits. */
  onCommit(listener: () => void): void;
}

/** PostgreSQL schema name for an app: lowercase letters, digits and `_`. */
export function schemaName(app: string): string {
  return app
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, "_")
    .slice(0, 63);
}

/** Where an app's store lives. */
export type StoreLocation =
  | { readonly dialect: "sqlite"; readonly path: string }
  | { readonly dialect: "postgres"; readonly url: string; readonly schema: string };

/**
 * Where the store of app `app` with `config` lives: the PostgreSQL schema named after the app when
 * `databaseUrl` is set, else the SQLite file `<dataDir>/<app>.sqlite`.
 */
export function storeLocation(config: WeftConfig, app: string): StoreLocation {
  const { databaseUrl, dataDir } = config.get(STORE_CONFIG);
  return databaseUrl !== undefined
    ? { dialect: "postgres", url: databaseUrl, schema: schemaName(app) }
    : { dialect: "sqlite", path: join(dataDir, `${app}.sqlite`) };
}

/** Says where a store lives, for people (never the URL: it may hold a password). */
export function describeStoreLocation(location: StoreLocation): string {
  return location.dialect === "sqlite"
    ? `SQLite file ${location.path}`
    : `PostgreSQL schema "${location.schema}" (WEFT_DATABASE_URL)`;
}

/** Opens the store an app's config asks for. */
export async function openStore(config: WeftConfig, app: string): Promise<Store> {
  const location = storeLocation(config, app);
  if (location.dialect === "postgres") {
    const { createPostgresStore } = await import("./postgres/index.js");
    return createPostgresStore({ url: location.url, schema: location.schema });
  }
  const { createSqliteStore } = await import("./sqlite/index.js");
  return createSqliteStore({ path: location.path });
}

/** Makes the store extension of an app; `open` gets the starting app (its resolved config). */
export function storeExtension(open: (app: App) => Promise<Store>): StoreExtension {
  let store: Store | undefined;
  // Which call's transaction is open here: a transaction may nest within one handler (a
  // savepoint), never across a call to another service — split across processes it could not.
  const openBy = new AsyncLocalStorage<CallContext>();
  const interceptors: TxInterceptor[] = [];
  const committed: (() => void)[] = [];
  const transactor: Transactor = (ctx, fn) => {
    if (store === undefined) {
      return Promise.reject(
        failedPrecondition(
          "STORE_NOT_OPEN",
          "the app's store is not open (the app is not running)",
        ),
      );
    }
    const outer = openBy.getStore();
    if (outer !== undefined && outer !== ctx) {
      return Promise.reject(
        failedPrecondition(
          "TX_SPANS_CALL",
          `${ctx.service}.${ctx.method} opened a transaction inside one of ${outer.service}.${outer.method}: a transaction cannot span a call to another service (finish it before calling)`,
        ),
      );
    }
    const open = store;
    const body =
      interceptors.length === 0
        ? fn
        : interceptors.reduce<typeof fn>((inner, wrap) => (tx) => wrap(ctx, tx, inner), fn);
    const running = openBy.run(ctx, () => open.transaction(body));
    if (outer !== undefined || committed.length === 0) return running;
    return running.then((value) => {
      for (const listener of committed) listener();
      return value;
    });
  };
  return {
    name: "store",
    configSlices: [STORE_CONFIG],
    get store() {
      if (store === undefined)
        throw failedPrecondition("STORE_NOT_OPEN", "the app's store is not open yet");
      return store;
    },
    transactor,
    around(interceptor) {
      interceptors.push(interceptor);
    },
    onCommit(listener) {
      committed.push(listener);
    },
    async start(app) {
      store = await open(app);
    },
    provide(key: ExtensionKey<unknown>) {
      return key === STORE ? store : undefined;
    },
    async stop() {
      const open = store;
      store = undefined;
      await open?.close();
    },
  };
}
