/**
 * The cart's bounds, part of its contract (shared/order.ts): at most `MAX_LINE_QUANTITY` of one
 * product and `MAX_CART_LINES` products per cart, so every sum checkout makes of a cart (quantities,
 * prices times quantities) stays far inside the range numbers hold exactly. An add that would
 * pass a bound is refused with FAILED_PRECONDITION naming the field, and writes nothing.
 */
import { failedPrecondition, type WeftError } from "weft";
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from "../../shared/order.js";

export { MAX_CART_LINES, MAX_LINE_QUANTITY };

/** The add would take a line past {@link MAX_LINE_QUANTITY}. */
export function lineLimit(productId: string, quantity: number): WeftError {
  return failedPrecondition(
    "CART_LINE_LIMIT",
    `quantity: a cart holds at most ${MAX_LINE_QUANTITY} of one product; adding ${quantity} of ${productId} would pass it`,
    {
      metadata: { field: "quantity", productId, max: String(MAX_LINE_QUANTITY) },
      mayHaveRun: false,
    },
  );
}

/** The add would take the cart past {@link MAX_CART_LINES} products. */
export function cartFull(productId: string): WeftError {
  return failedPrecondition(
    "CART_FULL",
    `productId: a cart holds at most ${MAX_CART_LINES} products; remove some before adding ${productId}`,
    {
      metadata: { field: "productId", productId, max: String(MAX_CART_LINES) },
      mayHaveRun: false,
    },
  );
}
