/** The currency service: supported currencies and conversions at the rates of its repo. */
import { invalidArgument } from "weft";
import { convertMoney } from "../../shared/money.js";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { currency } from "./contract.js";
import type { CurrencyRepo } from "./repo.js";
import { createSqlCurrencyRepo } from "./sql-repo.js";

/** The error for a currency the shop does not support, naming the input field it came from. */
function unsupported(code: string, field: "from" | "toCode") {
  return invalidArgument("UNSUPPORTED_CURRENCY", `currency ${code} is not supported`, {
    metadata: { currencyCode: code },
    issues: [
      {
        path: field === "from" ? ["from", "currencyCode"] : ["toCode"],
        message: "is not a supported currency",
      },
    ],
  });
}

/** Implements the currency service over `work` (default: the rates table on the app's store). */
export function createCurrency(work: UnitOfWork<CurrencyRepo> = inStore(createSqlCurrencyRepo)) {
  return currency.implement({
    async getSupportedCurrencies(ctx) {
      const rates = await work(ctx, (repo) => repo.list());
      return { currencyCodes: rates.map((r) => r.currencyCode) };
    },
    async convert(ctx, { from, toCode }) {
      const [fromRate, toRate] = await work(ctx, async (repo) => [
        await repo.get(from.currencyCode),
        await repo.get(toCode),
      ]);
      if (fromRate === undefined) throw unsupported(from.currencyCode, "from");
      if (toRate === undefined) throw unsupported(toCode, "toCode");
      return convertMoney(from, fromRate, toRate);
    },
  });
}
