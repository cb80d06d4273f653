/**
 * The PostgreSQL store (`weft/store/postgres`), on pg 8. Every app (and every test) works in its
 * own schema: created if missing, and the only entry of each connection's `search_path` (sessions
 * run with `TimeZone=UTC`). Transactions run concurrently on a pool; `listen` keeps one dedicated
 * connection for LISTEN/NOTIFY that survives reconnects.
 *
 * @example
 * ```ts
 * import { sql } from "weft/store";
 * import { createPostgresStore } from "weft/store/postgres";
 *
 * const store = await createPostgresStore({ url: process.env.WEFT_DATABASE_URL, schema: "shop" });
 * await store.transaction((tx) => tx.execute(sql`update stock set n = n - 1 where sku = ${sku}`));
 * const stop = await store.listen("timers", () => wake(), { onReconnect: () => catchUp() });
 * ```
 */
import { createHash } from "node:crypto";
import type { PoolConfig } from "pg";
import { failedPrecondition, invalidArgument, type WeftError } from "../../core/index.js";
import { loadDriver } from "../driver.js";
import { checkIsolation, storeClosed } from "../errors.js";
import { InFlight } from "../in-flight.js";
import { runMigrations } from "../migrate.js";
import type { TxScope } from "../scope.js";
import { type SqlFragment, sql } from "../sql.js";
import type { Isolation, Row, Store, TransactionOptions, Tx } from "../types.js";
import { mapPgError } from "./errors.js";
import { Listener, type ListenOptions } from "./listen.js";
import { Sessions } from "./session.js";
import { typeParsers } from "./types.js";

export type { ListenOptions } from "./listen.js";

/** Options of {@link createPostgresStore}. */
export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database`; or give connection settings in `pool`. */
  readonly url?: string;
  /** Extra pg pool settings (host, user, ssl, …); `url`, `poolSize` and `schema` win over them. */
  readonly pool?: PoolConfig;
  /** The app's schema (lowercase letters, digits, `_`), alone on `search_path`. Default `public`. */
  readonly schema?: string;
  /** Create the schema when it is missing. Default true. */
  readonly createSchema?: boolean;
  /** Most connections the pool opens (`listen` adds one of its own). Default 10. */
  readonly poolSize?: number;
  /** How long to wait for a connection (new or pooled) before UNAVAILABLE. Default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** Receives background errors (an idle connection dropped, a failed reconnect). Default: none. */
  readonly onError?: (error: WeftError) => void;
}

/** A store on one PostgreSQL schema. */
export interface PostgresStore extends Store {
  readonly dialect: "postgres";
  /** The schema this store works in. */
  readonly schema: string;
  /**
   * Calls `onNotify` with the payload of every NOTIFY on `channel` (an identifier); resolves once
   * listening, with a function that stops. After a dropped connection comes back, LISTEN is
   * renewed and `onReconnect` called: notifications in between are lost, so catch up there.
   */
  listen(
    channel: string,
    onNotify: (payload: string) => void,
    options?: ListenOptions,
  ): Promise<() => Promise<void>>;
}

const BEGIN: Readonly<Record<Isolation, string>> = {
  "read committed": "BEGIN",
  "repeatable read": "BEGIN ISOLATION LEVEL REPEATABLE READ",
  serializable: "BEGIN ISOLATION LEVEL SERIALIZABLE",
};

/** Takes this schema's advisory lock (until the transaction ends): "Weft" and a schema hash. */
function lockSchema(scope: TxScope, schema: string): Promise<unknown> {
  const key = createHash("sha256").update(schema).digest().readInt32BE(0);
  return scope.tx.query(sql`select pg_advisory_xact_lock(${0x57656674}::int4, ${key}::int4)`);
}

/** Pool settings: the URL's own `options` are kept, ours (search_path, UTC) appended. */
function poolConfig(options: PostgresStoreOptions, schema: string): PoolConfig {
  let url = options.url;
  let extra = options.pool?.options ?? "";
  if (url !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalidArgument("STORE_INVALID_URL", "the PostgreSQL url is not a valid URL");
    }
    extra = `${parsed.searchParams.get("options") ?? ""} ${extra}`;
    parsed.searchParams.delete("options");
    url = parsed.toString();
  }
  return {
    ...options.pool,
    ...(url === undefined ? {} : { connectionString: url }),
    options: `${extra} -c search_path=${schema} -c TimeZone=UTC -c DateStyle=ISO`.trim(),
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    keepAlive: true,
  };
}

/** Creates the schema when missing, under the schema's advisory lock (concurrent starts race). */
async function ensureSchema(sessions: Sessions, schema: string, create: boolean): Promise<void> {
  await sessions.transaction(async (scope) => {
    const found = async () =>
      (await scope.tx.query(sql`select 1 from pg_namespace where nspname = ${schema}`)).length > 0;
    if (await found()) return;
    if (!create) {
      throw failedPrecondition("STORE_SCHEMA_MISSING", `schema ${schema} does not exist`);
    }
    await lockSchema(scope, schema);
    await scope.connection.exec(`create schema if not exists ${schema}`);
  }, "BEGIN");
}

/** Connects to PostgreSQL (UNAVAILABLE fast when it cannot) and returns a store on `schema`. */
export async function createPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw invalidArgument(
      "STORE_INVALID_IDENTIFIER",
      `invalid schema ${JSON.stringify(schema)}: use lowercase letters, digits and "_", at most 63`,
    );
  }
  const pg = await loadDriver("pg", "^8", () => import("pg"));
  const config = { ...poolConfig(options, schema), types: typeParsers(pg.types) };
  const onError = options.onError ?? (() => {});
  const pool = new pg.Pool(config);
  pool.on("error", (e) => onError(mapPgError(e)));
  // A connection may be terminated in the very packet that finished connecting it, after the pool
  // dropped its idle listener and before a checkout adds one: without a listener of its own for
  // the client's lifetime, that 'error' event would crash the process. The failure shows on the
  // client's next query instead (and the connection is then destroyed).
  pool.on("connect", (client) => client.on("error", () => {}));
  const sessions = new Sessions(pool);
  const inFlight = new InFlight();
  const listener = new Listener(() => new pg.Client(config), onError);
  let closing: Promise<void> | undefined;
  const ensureOpen = () => {
    if (closing !== undefined) throw storeClosed();
  };

  const store: PostgresStore = {
    dialect: "postgres",
    schema,
    async transaction<T>(fn: (tx: Tx) => Promise<T>, txOptions: TransactionOptions = {}) {
      ensureOpen();
      checkIsolation(txOptions.isolation);
      const begin = BEGIN[txOptions.isolation ?? "read committed"];
      return inFlight.track(() => sessions.transaction((s) => fn(s.tx), begin));
    },
    async query<R = Row>(statement: SqlFragment): Promise<R[]> {
      ensureOpen();
      return (await inFlight.track(() => sessions.autocommit(statement))).rows as R[];
    },
    async execute(statement: SqlFragment) {
      ensureOpen();
      const { rowCount } = await inFlight.track(() => sessions.autocommit(statement));
      return { rowCount };
    },
    async migrate(migrations, migrateOptions) {
      ensureOpen();
      const lockedTransaction = <T>(fn: (scope: TxScope) => Promise<T>) =>
        sessions.transaction(async (scope) => {
          await lockSchema(scope, schema);
          return fn(scope);
        }, "BEGIN");
      return inFlight.track(() =>
        runMigrations({ dialect: "postgres", lockedTransaction }, migrations, migrateOptions),
      );
    },
    async listen(channel, onNotify, listenOptions) {
      ensureOpen();
      return listener.listen(channel, onNotify, listenOptions);
    },
    close() {
      closing ??= (async () => {
        await inFlight.idle();
        await listener.close();
        await pool.end();
      })();
      return closing;
    },
  };
  try {
    await ensureSchema(sessions, schema, options.createSchema ?? true);
  } catch (e) {
    await store.close();
    throw e;
  }
  return store satisfies Store;
}
