/**
 * The cart contract: one cart per user, holding products and quantities (no prices: checkout
 * prices the cart when the order is placed).
 *
 * @example
 * ```ts
 * await ctx.client(cart).addItem({ userId: "u1", productId: "6E92ZMYYFZ", quantity: 2 });
 * const { items } = await ctx.client(cart).getCart({ userId: "u1" });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { CartItem, MAX_CART_LINES } from "../../shared/order.js";

/** Identifies whose cart. */
export const UserId = z.string().min(1).max(128);

/** A user's cart. */
export const Cart = z.object({ userId: z.string(), items: z.array(CartItem).max(MAX_CART_LINES) });
/** A user's cart. */
export type Cart = z.infer<typeof Cart>;

/** The cart service's contract. */
export const cart = defineService("cart", {
  addItem: method({
    input: z.object({ userId: UserId, ...CartItem.shape }),
    output: Cart,
    description:
      "Adds a quantity of a product (merged with a line of the same product); NOT_FOUND for an unknown product.",
  }),
  getCart: method({
    input: z.object({ userId: UserId }),
    output: Cart,
    idempotent: true,
    description: "The user's cart; empty if they have none.",
  }),
  emptyCart: method({
    input: z.object({ userId: UserId }),
    output: z.object({}),
    // Emptying twice leaves the same empty cart as emptying once: safe to retry.
    idempotent: true,
    description: "Removes every item from the user's cart.",
  }),
});
