/** The cart's table (scope `cart`): one row per user and product, numbered in order of first add. */
import type { ServiceSchema } from "../../shared/service-schema.js";

/** The cart's migrations. */
export const cartSchema: ServiceSchema = {
  service: "cart",
  migrations: [
    {
      version: 1,
      name: "cart items",
      sql: `
        create table cart_items (
          user_id text not null,
          product_id text not null,
          quantity integer not null check (quantity > 0),
          line integer not null,
          primary key (user_id, product_id)
        );`,
    },
  ],
};
