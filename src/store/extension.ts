/**
 * The app's store as an app extension: opened before the app serves (PostgreSQL when
 * `databaseUrl` is set, in a schema named after the app; otherwise a SQLite file
 * `<dataDir>/<app>.sqlite`), giving `ctx.tx` its transactions, closed after the app drained.
 * Drivers load only here, and only the one in use. Other extensions add members to the handle a
 * transaction hands over (`tx.publish`, `tx.start`) with {@link StoreExtension.extendTx}: the
 * store knows nothing of what they write.
 */
import { join } from "node:path";
import {
  type App,
  type AppExtension,
  type CallContext,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
  type WeftConfig,
} from "../core/index.js";
import { STORE_CONFIG } from "./config.js";
import { callerInTransaction, enterTransaction } from "./open-tx.js";
import { TRANSACTOR, type Transactor, type TxHandle } from "./tx-handle.js";
import type { Store, Tx } from "./types.js";

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

/** What an extension that adds members to a transaction's handle gets, per (nested) handle. */
export interface TxMembersScope {
  /** The call whose `ctx.tx` it is; undefined for the engine's own (a workflow step's). */
  readonly ctx: CallContext | undefined;
  /** The SQL handle of this transaction (of this savepoint, for a nested handle). */
  readonly tx: Tx;
  /** Calls `listener` once after the top-level transaction committed (once per listener). */
  afterCommit(listener: () => void): void;
}

/** Makes members added to every transaction handle (e.g. `{ publish }`), from its scope. */
export type TxMembers = (scope: TxMembersScope) => Readonly<Record<string, unknown>>;

/** The store extension, with the store once open. */
export interface StoreExtension extends AppExtension {
  /** The open store (throws before start). */
  readonly store: Store;
  /** Runs `interceptor` around the body of every `ctx.tx` (inside the transaction). */
  around(interceptor: TxInterceptor): void;
  /** Adds members to every handle `ctx.tx` (and a workflow step's `ctx.tx`) hands over. */
  extendTx(members: TxMembers): void;
  /**
   * Runs `fn` in a new top-level transaction with the full handle (the engine's step
   * transactions use it); `ctx.tx` goes through it too, with the call's checks first.
   */
  transaction<T>(fn: (tx: TxHandle) => Promise<T>, ctx?: CallContext): Promise<T>;
}

/**
 * Members that refuse with FAILED_PRECONDITION `${reason}` saying `hint`: for handle members of
 * an extension the app does not have (`tx.publish` without topics).
 */
export function missingTxMembers(
  names: readonly string[],
  reason: string,
  hint: string,
): TxMembers {
  const refuse = () => Promise.reject(failedPrecondition(reason, hint));
  const members = Object.fromEntries(names.map((name) => [name, refuse]));
  return () => members;
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
  const interceptors: TxInterceptor[] = [];
  const extenders: TxMembers[] = [];
  const handleOf = (
    tx: Tx,
    ctx: CallContext | undefined,
    afterCommit: (listener: () => void) => void,
  ): TxHandle => {
    const handle: Record<string, unknown> = {
      dialect: tx.dialect,
      query: tx.query.bind(tx),
      execute: tx.execute.bind(tx),
      transaction: <T>(fn: (inner: TxHandle) => Promise<T>) =>
        tx.transaction((inner) => fn(handleOf(inner, ctx, afterCommit))),
    };
    for (const extend of extenders) Object.assign(handle, extend({ ctx, tx, afterCommit }));
    return handle as unknown as TxHandle;
  };
  const transaction = <T>(fn: (tx: TxHandle) => Promise<T>, ctx?: CallContext): Promise<T> => {
    if (store === undefined) {
      return Promise.reject(
        failedPrecondition(
          "STORE_NOT_OPEN",
          "the app's store is not open (the app is not running)",
        ),
      );
    }
    const listeners = new Set<() => void>();
    const afterCommit = (listener: () => void) => listeners.add(listener);
    const body =
      ctx === undefined || interceptors.length === 0
        ? fn
        : interceptors.reduce<typeof fn>((inner, wrap) => (tx) => wrap(ctx, tx, inner), fn);
    return store
      .transaction((tx) => body(handleOf(tx, ctx, afterCommit)))
      .then((value) => {
        for (const listener of listeners) {
          try {
            listener();
          } catch {
            // A wake-up that failed must not turn a committed transaction into an error.
          }
        }
        return value;
      });
  };
  const transactor: Transactor = (ctx, fn) => {
    const holder = callerInTransaction(ctx);
    if (holder !== undefined) {
      // Split across processes the two could never share a transaction; in one process on
      // SQLite the call would wait for its caller's transaction, which waits for the call.
      return Promise.reject(
        failedPrecondition(
          "TX_SPANS_CALL",
          `${ctx.service}.${ctx.method} opened a transaction inside one of ${holder.service}.${holder.method}: a transaction cannot span a call to another service (finish it before calling)`,
        ),
      );
    }
    const leave = enterTransaction(ctx);
    return transaction(fn, ctx).finally(leave);
  };
  return {
    name: "store",
    configSlices: [STORE_CONFIG],
    get store() {
      if (store === undefined)
        throw failedPrecondition("STORE_NOT_OPEN", "the app's store is not open yet");
      return store;
    },
    transaction,
    around(interceptor) {
      interceptors.push(interceptor);
    },
    extendTx(members) {
      extenders.push(members);
    },
    async start(app) {
      store = await open(app);
    },
    provide(key: ExtensionKey<unknown>) {
      if (key === TRANSACTOR) return transactor;
      return key === STORE ? store : undefined;
    },
    async stop() {
      const open = store;
      store = undefined;
      await open?.close();
    },
  };
}
