/** Fixed exchange rates against the euro (values from Online Boutique's currency service). */
import type { ExchangeRate } from "../../shared/money.js";

/** The seed rates: units of each currency per euro, and decimals kept after conversion. */
export const RATES: readonly ExchangeRate[] = [
  { currencyCode: "EUR", perBase: "1.0", decimals: 2 },
  { currencyCode: "USD", perBase: "1.1305", decimals: 2 },
  { currencyCode: "JPY", perBase: "126.40", decimals: 0 },
  { currencyCode: "GBP", perBase: "0.85970", decimals: 2 },
  { currencyCode: "CAD", perBase: "1.5128", decimals: 2 },
  { currencyCode: "CHF", perBase: "1.1360", decimals: 2 },
  { currencyCode: "SEK", perBase: "10.5375", decimals: 2 },
  { currencyCode: "AUD", perBase: "1.6072", decimals: 2 },
];
