/**
 * Migrating an app's store without serving it: the start path of `weft start` up to its
 * `beforeStart` hook — the store opens, every extension's `start` applies its migrations (the
 * workflow journal, events, …), then the app's hook migrates the services' own tables — and
 * there it stops: nothing is served, no run is claimed, no message is relayed, no other process
 * is called. What was applied is read from the store's `weft_migrations` table before and after.
 */
import type { AppDefinition, Logger } from "../core/index.js";
import { createApp } from "../create-app.js";
import { describeStoreLocation, openStore, STORE, storeLocation } from "../store/extension.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/types.js";
import { NO_REMOTE_CALLS } from "./open-app.js";

/** One applied migration. */
export interface AppliedEntry {
  readonly scope: string;
  readonly version: number;
  readonly name: string;
}

/** What {@link migrateApp} did. */
export interface MigrateResult {
  readonly app: string;
  /** Where the store lives, for people (never a URL with a password). */
  readonly store: string;
  /** The groups whose services' tables were migrated. */
  readonly groups: readonly string[];
  /** Migrations this run applied, in order. */
  readonly applied: readonly AppliedEntry[];
  /** Each scope's version afterwards. */
  readonly scopes: readonly { readonly scope: string; readonly version: number }[];
}

async function history(store: Store): Promise<AppliedEntry[]> {
  try {
    const rows = await store.query<{ scope: string; version: number; name: string }>(
      sql`select scope, version, name from weft_migrations order by scope, version`,
    );
    return rows.map((r) => ({ scope: r.scope, version: Number(r.version), name: r.name }));
  } catch {
    return []; // a new database: no bookkeeping table yet
  }
}

/** Options of {@link migrateApp}. */
export interface MigrateAppOptions {
  /** Groups whose services' tables to migrate. Default: config (WEFT_GROUP), else all. */
  readonly group?: readonly string[];
  readonly logger: Logger;
}

/** Applies an app's pending migrations and reports them; an app without a store has none. */
export async function migrateApp(
  definition: AppDefinition,
  options: MigrateAppOptions,
): Promise<MigrateResult | undefined> {
  if (!definition.store) return undefined;
  let before: AppliedEntry[] = [];
  let after: AppliedEntry[] = [];
  const done = new Error("migrated");
  const app = createApp(
    {
      ...definition,
      hooks: {
        beforeStart: async (running) => {
          await definition.hooks.beforeStart?.(running);
          after = await history(running.use(STORE));
          throw done; // stop before serving: the start unwinds and closes the store
        },
      },
    },
    {
      ...(options.group === undefined ? {} : { group: options.group }),
      transport: NO_REMOTE_CALLS,
      logger: options.logger,
      store: async () => {
        const store = await openStore(app.config, app.name);
        before = await history(store);
        return store;
      },
    },
  );
  try {
    await app.start();
  } catch (error) {
    if (error !== done) throw error;
  }
  const seen = new Set(before.map((m) => `${m.scope}/${m.version}`));
  const versions = new Map<string, number>();
  for (const m of after) versions.set(m.scope, Math.max(versions.get(m.scope) ?? 0, m.version));
  return {
    app: app.name,
    store: describeStoreLocation(storeLocation(app.config, app.name)),
    groups: [...app.placement.running],
    applied: after.filter((m) => !seen.has(`${m.scope}/${m.version}`)),
    scopes: [...versions].map(([scope, version]) => ({ scope, version })),
  };
}
