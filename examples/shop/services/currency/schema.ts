/**
 * The currency service's table (scope `currency`): the rates, as decimal strings (never floats).
 * The seed inserts the fixed rates once; rows that exist are left alone.
 */
import { sql, type Tx } from "weft/store";
import type { ServiceSchema } from "../../shared/service-schema.js";
import { RATES } from "./rates.js";

async function seedRates(tx: Tx): Promise<void> {
  for (const [position, r] of RATES.entries()) {
    await tx.execute(sql`
      insert into currency_rates (currency_code, per_base, decimals, position)
      values (${r.currencyCode}, ${r.perBase}, ${r.decimals}, ${position})
      on conflict (currency_code) do nothing`);
  }
}

/** The currency service's migrations and seed. */
export const currencySchema: ServiceSchema = {
  service: "currency",
  migrations: [
    {
      version: 1,
      name: "rates",
      sql: `
        create table currency_rates (
          currency_code text primary key,
          per_base text not null,
          decimals integer not null,
          position integer not null
        );`,
    },
  ],
  seed: seedRates,
};
