/** The currency service: supported currencies and conversions at the repo's rates. */
import { invalidArgument } from "weft";
import { convertMoney } from "../../shared/money.js";
import { currency } from "./contract.js";
import { createMemoryCurrencyRepo } from "./memory-repo.js";
import type { CurrencyRepo } from "./repo.js";

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

/** Implements the currency service over `repo` (default: the fixed rates, in memory). */
export function createCurrency(repo: CurrencyRepo = createMemoryCurrencyRepo()) {
  return currency.implement({
    async getSupportedCurrencies() {
      return { currencyCodes: (await repo.list()).map((r) => r.currencyCode) };
    },
    async convert(_ctx, { from, toCode }) {
      const [fromRate, toRate] = await Promise.all([repo.get(from.currencyCode), repo.get(toCode)]);
      if (fromRate === undefined) throw unsupported(from.currencyCode, "from");
      if (toRate === undefined) throw unsupported(toCode, "toCode");
      return convertMoney(from, fromRate, toRate);
    },
  });
}
