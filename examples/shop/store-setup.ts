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
import type { App } from "weft";
import { STORE } from "weft/store";
import { applySchemas, type ServiceSchema } from "./shared/service-schema.js";

/** Migrates and seeds the tables of the services `app` runs here, before it serves. */
export async function setUpTables(app: App, schemas: readonly ServiceSchema[]): Promise<void> {
  const local = schemas.filter((s) => app.placement.local.has(s.service));
  if (local.length > 0) await applySchemas(app.use(STORE), local);
}
