/** Exchange rates on the app's store (table `currency_rates`), inside one transaction `tx`. */
import type { Queryable } from "weft/store";
import { sql } from "weft/store";
import type { ExchangeRate } from "../../shared/money.js";
import type { CurrencyRepo } from "./repo.js";

interface RateRow {
  currency_code: string;
  per_base: string;
  decimals: number;
}

const rate = (r: RateRow): ExchangeRate => ({
  currencyCode: r.currency_code,
  perBase: r.per_base,
  decimals: Number(r.decimals),
});

/** The rates repo working inside `tx`. */
export function createSqlCurrencyRepo(tx: Queryable): CurrencyRepo {
  return {
    async list() {
      const rows = await tx.query<RateRow>(
        sql`select currency_code, per_base, decimals from currency_rates order by position`,
      );
      return rows.map(rate);
    },
    async get(currencyCode) {
      const [row] = await tx.query<RateRow>(sql`
        select currency_code, per_base, decimals from currency_rates
        where currency_code = ${currencyCode}`);
      return row === undefined ? undefined : rate(row);
    },
  } satisfies CurrencyRepo;
}
