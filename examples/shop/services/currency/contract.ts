/**
 * The currency contract: which currencies the shop supports and conversion between them at fixed
 * rates (integer arithmetic, rounded to each currency's minor unit).
 *
 * @example
 * ```ts
 * const eur = await ctx.client(currency).convert({ from: priceUsd, toCode: "EUR" });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Money } from "../../shared/money.js";

/** An ISO 4217 currency code such as `EUR`. */
export const CurrencyCode = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as EUR");

/** The currency service's contract. */
export const currency = defineService("currency", {
  getSupportedCurrencies: method({
    input: z.object({}),
    output: z.object({ currencyCodes: z.array(z.string()) }),
    idempotent: true,
    description: "Codes of the currencies prices can be shown and charged in.",
  }),
  convert: method({
    input: z.object({ from: Money, toCode: CurrencyCode }),
    output: Money,
    idempotent: true,
    description:
      "Converts an amount; INVALID_ARGUMENT (UNSUPPORTED_CURRENCY) names a currency it lacks.",
  }),
});
