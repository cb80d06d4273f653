/**
 * The catalog on the app's store (tables of `schema.ts`), inside one transaction `tx`. SQL that
 * runs on SQLite and PostgreSQL alike; searches use `like` on lowercased text with `%`, `_` and
 * `\` in the query escaped.
 */
import type { Queryable } from "weft/store";
import { sql } from "weft/store";
import type { CartItem } from "../../shared/order.js";
import type { Product, Reservation } from "./contract.js";
import { outOfStock, productNotFound } from "./errors.js";
import { type CatalogRepo, mergeLines } from "./repo.js";

interface ProductRow {
  id: string;
  name: string;
  description: string;
  picture: string;
  price_currency: string;
  price_units: number;
  price_nanos: number;
}

const PRODUCT_COLUMNS = sql`p.id, p.name, p.description, p.picture, p.price_currency,
  p.price_units, p.price_nanos`;

/** A `like` pattern matching text that contains `query` (lowercased, wildcards escaped). */
function containing(query: string): string {
  return `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The catalog repo working inside `tx`. */
export function createSqlCatalogRepo(tx: Queryable): CatalogRepo {
  /** Products of `rows`, each with its categories (one more query for all of them). */
  async function products(rows: readonly ProductRow[]): Promise<Product[]> {
    if (rows.length === 0) return [];
    const ids = sql.join(rows.map((r) => r.id));
    const categories = await tx.query<{ product_id: string; category: string }>(sql`
      select product_id, category from catalog_categories
      where product_id in (${ids}) order by product_id, position`);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      picture: r.picture,
      priceUsd: {
        currencyCode: r.price_currency,
        units: Number(r.price_units),
        nanos: Number(r.price_nanos),
      },
      categories: categories.filter((c) => c.product_id === r.id).map((c) => c.category),
    }));
  }

  async function reservation(orderId: string): Promise<Reservation | undefined> {
    const [head] = await tx.query<{ status: "reserved" | "released" }>(
      sql`select status from catalog_reservations where order_id = ${orderId}`,
    );
    if (head === undefined) return undefined;
    const items = await tx.query<{ product_id: string; quantity: number }>(sql`
      select product_id, quantity from catalog_reservation_items
      where order_id = ${orderId} order by line`);
    const lines = items.map((i) => ({ productId: i.product_id, quantity: Number(i.quantity) }));
    return { orderId, items: lines, status: head.status };
  }

  async function available(productId: string): Promise<number | undefined> {
    const [row] = await tx.query<{ available: number }>(
      sql`select available from catalog_stock where product_id = ${productId}`,
    );
    return row === undefined ? undefined : Number(row.available);
  }

  return {
    available,
    async list() {
      return products(
        await tx.query<ProductRow>(
          sql`select ${PRODUCT_COLUMNS} from catalog_products p order by p.position`,
        ),
      );
    },
    async get(id) {
      const rows = await tx.query<ProductRow>(
        sql`select ${PRODUCT_COLUMNS} from catalog_products p where p.id = ${id}`,
      );
      return (await products(rows))[0];
    },
    async search(query) {
      const pattern = containing(query);
      const rows = await tx.query<ProductRow>(sql`
        select ${PRODUCT_COLUMNS} from catalog_products p
        where lower(p.name) like ${pattern} escape '\\'
          or lower(p.description) like ${pattern} escape '\\'
          or exists (select 1 from catalog_categories c
            where c.product_id = p.id and lower(c.category) like ${pattern} escape '\\')
        order by p.position`);
      return products(rows);
    },
    async reserve(orderId, items: readonly CartItem[]) {
      // The reservation row first: a concurrent reserve of the same order waits for this one
      // (PostgreSQL) or runs after it (SQLite), then finds it.
      const created = await tx.execute(sql`
        insert into catalog_reservations (order_id, status, created_at)
        values (${orderId}, 'reserved', ${new Date().toISOString()})
        on conflict (order_id) do nothing`);
      if (created.rowCount === 0) return (await reservation(orderId)) as Reservation;
      const lines = mergeLines(items);
      for (const [line, { productId, quantity }] of lines.entries()) {
        const taken = await tx.execute(sql`
          update catalog_stock set available = available - CAST(${quantity} AS INTEGER)
          where product_id = ${productId} and available >= CAST(${quantity} AS INTEGER)`);
        if (taken.rowCount !== 1) {
          // Thrown inside the transaction: everything taken so far is rolled back with it.
          const left = await available(productId);
          throw left === undefined
            ? productNotFound(productId)
            : outOfStock(productId, quantity, left);
        }
        await tx.execute(sql`
          insert into catalog_reservation_items (order_id, product_id, quantity, line)
          values (${orderId}, ${productId}, ${quantity}, ${line})`);
      }
      return { orderId, items: lines, status: "reserved" };
    },
    async release(orderId) {
      const released = await tx.execute(sql`
        update catalog_reservations set status = 'released', released_at = ${new Date().toISOString()}
        where order_id = ${orderId} and status = 'reserved'`);
      if (released.rowCount === 1) {
        await tx.execute(sql`
          update catalog_stock set available = available + (
            select i.quantity from catalog_reservation_items i
            where i.order_id = ${orderId} and i.product_id = catalog_stock.product_id)
          where product_id in (
            select product_id from catalog_reservation_items where order_id = ${orderId})`);
      }
      return reservation(orderId);
    },
  } satisfies CatalogRepo;
}
