/**
 * A service's tables: versioned migrations in the service's own scope (tables prefixed with the
 * service's name), and optional seed data written idempotently after them.
 *
 * @example
 * ```ts
 * export const cartSchema: ServiceSchema = {
 *   service: "cart",
 *   migrations: [{ version: 1, name: "cart items", sql: "create table cart_items (...)" }],
 * };
 * await applySchemas(store, [cartSchema]);
 * ```
 */
import type { Migration, MigrationReport, Store, Tx } from "weft/store";

/** The tables of one service, and the rows it starts with. */
export interface ServiceSchema {
  /** The service's name: also its migration scope and its tables' prefix. */
  readonly service: string;
  /** Versioned migrations; applied ones must never change (add a new version instead). */
  readonly migrations: readonly Migration[];
  /** Writes starting data; must be idempotent (it runs at every start). */
  readonly seed?: (tx: Tx) => Promise<void>;
}

/** Migrates each schema in its own scope, then runs its seed in one transaction. */
export async function applySchemas(
  store: Store,
  schemas: readonly ServiceSchema[],
): Promise<MigrationReport[]> {
  const reports: MigrationReport[] = [];
  for (const schema of schemas) {
    reports.push(await store.migrate(schema.migrations, { scope: schema.service }));
    const seed = schema.seed;
    if (seed !== undefined) await store.transaction((tx) => seed(tx));
  }
  return reports;
}
