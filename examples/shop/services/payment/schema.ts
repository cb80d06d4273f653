/**
 * The payment service's table (scope `payment`): charges, with the amount as integer units and
 * nanos, and at most one charge per order (the idempotency key of `charge`).
 */
import type { ServiceSchema } from "../../shared/service-schema.js";

/** The payment service's migrations. */
export const paymentSchema: ServiceSchema = {
  service: "payment",
  migrations: [
    {
      version: 1,
      name: "charges",
      sql: `
        create table payment_charges (
          transaction_id text primary key,
          order_id text unique,
          currency_code text not null,
          units bigint not null,
          nanos integer not null,
          last4 text not null,
          brand text not null,
          charged_at text not null,
          refunded_at text
        );`,
    },
  ],
};
