/**
 * The shipping service's table (scope `shipping`): shipments, with address and items as JSON
 * text, and at most one shipment per order (the idempotency key of `shipOrder`).
 */
import type { ServiceSchema } from "../../shared/service-schema.js";

/** The shipping service's migrations. */
export const shippingSchema: ServiceSchema = {
  service: "shipping",
  migrations: [
    {
      version: 1,
      name: "shipments",
      sql: `
        create table shipping_shipments (
          tracking_id text primary key,
          order_id text unique,
          address text not null,
          items text not null,
          status text not null,
          shipped_at text not null,
          cancelled_at text
        );`,
    },
  ],
};
