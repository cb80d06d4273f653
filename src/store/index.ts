/**
 * The durable store seam (`weft/store`): the `Store`/`Tx` interfaces every adapter implements, the
 * injection-safe `sql` tag, versioned migrations and the store's error reasons. Adapters live in
 * their own subpaths and bring their drivers: `weft/store/sqlite` (better-sqlite3) and
 * `weft/store/postgres` (pg). See docs/store.md.
 *
 * @example
 * ```ts
 * import { sql, type Store } from "weft/store";
 *
 * async function placeOrder(store: Store, id: string, total: number) {
 *   return store.transaction(async (tx) => {
 *     await tx.execute(sql`insert into orders (id, total) values (${id}, ${total})`);
 *     const [row] = await tx.query<{ n: number }>(sql`select count(*) as n from orders`);
 *     return row?.n;
 *   });
 * }
 * ```
 */
export { STORE_CONFIG, type StoreConfig } from "./config.js";
export { STORE_REASONS } from "./errors.js";
export {
  describeStoreLocation,
  STORE,
  type StoreLocation,
  storeLocation,
} from "./extension.js";
export type {
  MigrateOptions,
  Migration,
  MigrationReport,
} from "./migrations.js";
export {
  assertIdentifier,
  isSqlFragment,
  type RenderedSql,
  renderSql,
  SqlFragment,
  type SqlTag,
  sql,
} from "./sql.js";
export type {
  Dialect,
  ExecuteResult,
  Isolation,
  Queryable,
  Row,
  Store,
  TransactionOptions,
  Tx,
} from "./types.js";
export type { SqlValue } from "./values.js";
