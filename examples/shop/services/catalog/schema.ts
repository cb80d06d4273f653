/**
 * The catalog's tables (scope `catalog`): products with their categories, stock per product, and
 * stock reservations per order. Prices are integers (units and nanos). The seed inserts the
 * Online Boutique products and their initial stock once; rows that exist are left alone, so a
 * restart never resets stock or prices.
 */
import { sql, type Tx } from "weft/store";
import type { ServiceSchema } from "../../shared/service-schema.js";
import { PRODUCTS } from "./products.js";
import { INITIAL_STOCK } from "./stock.js";

/** Inserts each seed product (with its categories and stock) that is not there yet. */
async function seedProducts(tx: Tx): Promise<void> {
  for (const [position, p] of PRODUCTS.entries()) {
    const added = await tx.execute(sql`
      insert into catalog_products
        (id, name, description, picture, price_currency, price_units, price_nanos, position)
      values (${p.id}, ${p.name}, ${p.description}, ${p.picture}, ${p.priceUsd.currencyCode},
        ${p.priceUsd.units}, ${p.priceUsd.nanos}, ${position})
      on conflict (id) do nothing`);
    if (added.rowCount === 0) continue;
    for (const [index, category] of p.categories.entries()) {
      await tx.execute(sql`
        insert into catalog_categories (product_id, category, position)
        values (${p.id}, ${category}, ${index})`);
    }
    await tx.execute(sql`
      insert into catalog_stock (product_id, available) values (${p.id}, ${INITIAL_STOCK})
      on conflict (product_id) do nothing`);
  }
}

/** The catalog's migrations and seed. */
export const catalogSchema: ServiceSchema = {
  service: "catalog",
  migrations: [
    {
      version: 1,
      name: "products",
      sql: `
        create table catalog_products (
          id text primary key,
          name text not null,
          description text not null,
          picture text not null,
          price_currency text not null,
          price_units bigint not null,
          price_nanos integer not null,
          position integer not null
        );
        create table catalog_categories (
          product_id text not null references catalog_products (id),
          category text not null,
          position integer not null,
          primary key (product_id, category)
        );`,
    },
    {
      version: 2,
      name: "stock and reservations",
      sql: `
        create table catalog_stock (
          product_id text primary key references catalog_products (id),
          available integer not null check (available >= 0)
        );
        create table catalog_reservations (
          order_id text primary key,
          status text not null,
          created_at text not null,
          released_at text
        );
        create table catalog_reservation_items (
          order_id text not null references catalog_reservations (order_id),
          product_id text not null,
          quantity integer not null,
          line integer not null,
          primary key (order_id, product_id)
        );`,
    },
  ],
  seed: seedProducts,
};
