/**
 * The checkout service: places an order by calling the other services in turn. It owns no data.
 * Failure behaviour, decided here:
 * - before the charge, any error (empty cart, unknown product, bad currency, declined card) reaches
 *   the caller unchanged and nothing was charged or shipped;
 * - if shipping fails after the charge, the charge is refunded, then shipping's error is rethrown;
 * - once shipped the order stands: failing to empty the cart or to send the email is logged, not
 *   thrown. (A later version makes this a durable workflow.)
 */
import { randomUUID } from "node:crypto";
import { type CallContext, invalidArgument } from "weft";
import type { Address } from "../../shared/address.js";
import type { CartItem, OrderResult } from "../../shared/order.js";
import { cart } from "../cart/contract.js";
import { currency } from "../currency/contract.js";
import { email } from "../email/contract.js";
import { payment } from "../payment/contract.js";
import { shipping } from "../shipping/contract.js";
import { checkout } from "./contract.js";
import { priceCart } from "./price-cart.js";

/** Refuses a currency the shop does not support, naming the `userCurrency` field. */
async function checkCurrency(ctx: CallContext, userCurrency: string): Promise<void> {
  const { currencyCodes } = await ctx.client(currency).getSupportedCurrencies({});
  if (!currencyCodes.includes(userCurrency)) {
    throw invalidArgument("UNSUPPORTED_CURRENCY", `currency ${userCurrency} is not supported`, {
      metadata: { currencyCode: userCurrency },
      issues: [{ path: ["userCurrency"], message: `must be one of ${currencyCodes.join(", ")}` }],
    });
  }
}

/** Ships the order; if that fails, refunds the charge and rethrows shipping's error. */
async function shipOrRefund(
  ctx: CallContext,
  transactionId: string,
  request: { address: Address; items: CartItem[] },
): Promise<string> {
  try {
    return (await ctx.client(shipping).shipOrder(request)).trackingId;
  } catch (shipError) {
    await ctx
      .client(payment)
      .refund({ transactionId })
      .catch((err: unknown) => ctx.logger.error({ err, transactionId }, "refund failed"));
    throw shipError;
  }
}

/** Runs a step the order does not depend on; a failure is logged and swallowed. */
async function afterOrder(ctx: CallContext, what: string, step: () => Promise<unknown>) {
  try {
    await step();
  } catch (err) {
    ctx.logger.warn({ err }, `order placed, but ${what} failed`);
  }
}

/** Implements checkout. */
export function createCheckout() {
  return checkout.implement({
    async placeOrder(ctx, { userId, userCurrency, address, email: to, creditCard }) {
      await checkCurrency(ctx, userCurrency);
      const priced = await priceCart(ctx, userId, userCurrency, address);
      // Not caught: a decline reaches our caller with payment's code, reason and metadata.
      const { transactionId } = await ctx
        .client(payment)
        .charge({ amount: priced.total, creditCard });
      const trackingId = await shipOrRefund(ctx, transactionId, {
        address,
        items: [...priced.cartItems],
      });
      const order: OrderResult = {
        orderId: randomUUID(),
        trackingId,
        transactionId,
        items: [...priced.items],
        shippingAddress: address,
        shippingCost: priced.shippingCost,
        total: priced.total,
        placedAt: new Date().toISOString(),
      };
      await afterOrder(ctx, "emptying the cart", () => ctx.client(cart).emptyCart({ userId }));
      await afterOrder(ctx, "sending the confirmation", () =>
        ctx.client(email).sendOrderConfirmation({ email: to, order }),
      );
      return order;
    },
  });
}
