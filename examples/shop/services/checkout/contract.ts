/**
 * The checkout contract: place the order of a user's cart. Errors of the services it calls reach
 * the caller unchanged: a declined card is payment's FAILED_PRECONDITION (CARD_DECLINED) with its
 * metadata, not an INTERNAL error of checkout.
 *
 * @example
 * ```ts
 * const order = await app.client(checkout).placeOrder({
 *   userId: "u1", userCurrency: "EUR", email: "ada@example.com", address, creditCard,
 * });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Address } from "../../shared/address.js";
import { OrderResult } from "../../shared/order.js";
import { UserId } from "../cart/contract.js";
import { CurrencyCode } from "../currency/contract.js";
import { CreditCard } from "../payment/contract.js";

/** What placing an order takes. */
export const PlaceOrderRequest = z.object({
  userId: UserId,
  /** Currency the order is priced and charged in. */
  userCurrency: CurrencyCode,
  address: Address,
  email: z.email(),
  creditCard: CreditCard,
});
/** What placing an order takes. */
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

/** The checkout service's contract. */
export const checkout = defineService("checkout", {
  placeOrder: method({
    input: PlaceOrderRequest,
    output: OrderResult,
    description:
      "Prices the cart, charges the card, ships, empties the cart and emails a confirmation.",
  }),
});
