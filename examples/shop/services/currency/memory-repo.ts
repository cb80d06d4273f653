/** Exchange rates in memory. */
import type { ExchangeRate } from "../../shared/money.js";
import { RATES } from "./rates.js";
import type { CurrencyRepo } from "./repo.js";

/** A rates table held in memory; `rates` defaults to the fixed euro-based table. */
export function createMemoryCurrencyRepo(rates: readonly ExchangeRate[] = RATES): CurrencyRepo {
  const byCode = new Map(rates.map((r) => [r.currencyCode, r]));
  return {
    async list() {
      return [...byCode.values()];
    },
    async get(currencyCode) {
      return byCode.get(currencyCode);
    },
  } satisfies CurrencyRepo;
}
