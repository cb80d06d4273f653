/** The email service's table (scope `email`): mail sent, one confirmation per order. */
import type { ServiceSchema } from "../../shared/service-schema.js";

/** The email service's migrations. */
export const emailSchema: ServiceSchema = {
  service: "email",
  migrations: [
    {
      version: 1,
      name: "sent mail",
      sql: `
        create table email_sent (
          message_id text primary key,
          order_id text not null unique,
          recipient text not null,
          subject text not null,
          body text not null,
          sent_at text not null
        );`,
    },
  ],
};
