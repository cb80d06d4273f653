/** Prices a user's cart in their currency: items from the catalog, then shipping, then the total. */
import type { CallContext } from "weft";
import { failedPrecondition, invalidArgument } from "weft";
import type { Address } from "../../shared/address.js";
import { addMoney, type Money, multiplyMoney, sumMoney } from "../../shared/money.js";
import type { CartItem, OrderItem } from "../../shared/order.js";
import { cart } from "../cart/contract.js";
import { catalog } from "../catalog/contract.js";
import { currency } from "../currency/contract.js";
import { shipping } from "../shipping/contract.js";

/** Anything that makes calls: a handler's context, or a workflow step's. */
export type Caller = Pick<CallContext, "client">;

/** A priced cart. */
export interface PricedCart {
  /** The cart's lines as the cart holds them. */
  readonly cartItems: readonly CartItem[];
  /** The same lines, priced in the user's currency. */
  readonly items: readonly OrderItem[];
  readonly shippingCost: Money;
  /** Items plus shipping. */
  readonly total: Money;
}

/** Refuses a currency the shop does not support, naming the `userCurrency` field. */
async function checkCurrency(ctx: Caller, userCurrency: string): Promise<void> {
  const { currencyCodes } = await ctx.client(currency).getSupportedCurrencies({});
  if (!currencyCodes.includes(userCurrency)) {
    throw invalidArgument("UNSUPPORTED_CURRENCY", `currency ${userCurrency} is not supported`, {
      metadata: { currencyCode: userCurrency },
      issues: [{ path: ["userCurrency"], message: `must be one of ${currencyCodes.join(", ")}` }],
    });
  }
}

/**
 * Prices the cart of `userId` in `userCurrency` for shipping to `address`. An unsupported currency
 * is INVALID_ARGUMENT (UNSUPPORTED_CURRENCY), an empty cart FAILED_PRECONDITION (CART_EMPTY);
 * errors of the services called pass through unchanged.
 */
export async function priceCart(
  ctx: Caller,
  userId: string,
  userCurrency: string,
  address: Address,
): Promise<PricedCart> {
  await checkCurrency(ctx, userCurrency);
  const { items: cartItems } = await ctx.client(cart).getCart({ userId });
  if (cartItems.length === 0) {
    throw failedPrecondition("CART_EMPTY", `the cart of user ${userId} is empty`, {
      metadata: { userId },
    });
  }
  const products = ctx.client(catalog);
  const rates = ctx.client(currency);
  const items = await Promise.all(
    cartItems.map(async ({ productId, quantity }): Promise<OrderItem> => {
      const product = await products.getProduct({ id: productId });
      const unitPrice = await rates.convert({ from: product.priceUsd, toCode: userCurrency });
      const cost = multiplyMoney(unitPrice, quantity);
      return { productId, name: product.name, quantity, unitPrice, cost };
    }),
  );
  const quote = await ctx.client(shipping).getQuote({ address, items: cartItems });
  const shippingCost = await rates.convert({ from: quote.cost, toCode: userCurrency });
  const subtotal = sumMoney(
    userCurrency,
    items.map((item) => item.cost),
  );
  return { cartItems, items, shippingCost, total: addMoney(subtotal, shippingCost) };
}
