/** The loyalty service's table (scope `loyalty`): points awarded, one award per order. */
import type { ServiceSchema } from "../../shared/service-schema.js";

/** The loyalty service's migrations. */
export const loyaltySchema: ServiceSchema = {
  service: "loyalty",
  migrations: [
    {
      version: 1,
      name: "awards",
      sql: `
        create table loyalty_awards (
          order_id text primary key,
          user_id text not null,
          points integer not null,
          seq integer not null
        );
        create index loyalty_awards_user on loyalty_awards (user_id, seq);`,
    },
  ],
};
