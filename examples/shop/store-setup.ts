/**
 * The shop's tables, applied when a process starts (the `beforeStart` hook of app.ts): each
 * service's versioned migrations in its own scope, then its idempotent seed — only for the
 * services this process runs, so in a split deployment each group sets up its own tables.
 * Concurrent starts are safe: the store applies each migration once (PostgreSQL advisory lock,
 * SQLite's write lock), and seeds insert only missing rows.
 *
 * The app's store is open when `beforeStart` runs; `app.use(STORE)` hands it over.
 *
 * @example
 * ```ts
 * defineApp({ ..., hooks: { beforeStart: (app) => setUpTables(app, SHOP_SCHEMAS) } });
 * ```
 */
import { join } from "node:path";
import type { App, WeftConfig } from "weft";
import { STORE } from "weft/store";
import { applySchemas, type ServiceSchema } from "./shared/service-schema.js";

/** Where an app's store lives, as `createApp` chooses it. */
export type StoreLocation =
  | { readonly dialect: "sqlite"; readonly path: string }
  | { readonly dialect: "postgres"; readonly url: string; readonly schema: string };

/** The store location of app `name` with `config` (the rule of `createApp` from `weft`). */
export function storeLocation(config: WeftConfig, name: string): StoreLocation {
  if (config.databaseUrl !== undefined) {
    // PostgreSQL schema names: lowercase letters, digits and `_`, as createApp makes them.
    const schema = name
      .toLowerCase()
      .replace(/[^a-z0-9_]/g, "_")
      .slice(0, 63);
    return { dialect: "postgres", url: config.databaseUrl, schema };
  }
  return { dialect: "sqlite", path: join(config.dataDir, `${name}.sqlite`) };
}

/** Says where a location is, for people (never the URL: it may hold a password). */
export function describeLocation(location: StoreLocation): string {
  return location.dialect === "sqlite"
    ? `SQLite file ${location.path}`
    : `PostgreSQL schema "${location.schema}" (WEFT_DATABASE_URL)`;
}

/** Migrates and seeds the tables of the services `app` runs here, before it serves. */
export async function setUpTables(app: App, schemas: readonly ServiceSchema[]): Promise<void> {
  const local = schemas.filter((s) => app.placement.local.has(s.service));
  if (local.length > 0) await applySchemas(app.use(STORE), local);
}
