/**
 * The catalog contract: the products on sale, priced in US dollars like Online Boutique's.
 *
 * @example
 * ```ts
 * const { products } = await ctx.client(catalog).listProducts({});
 * const mug = await ctx.client(catalog).getProduct({ id: "6E92ZMYYFZ" });
 * await ctx.client(catalog).reserveStock({ orderId, items: [{ productId: mug.id, quantity: 2 }] });
 * await ctx.client(catalog).releaseStock({ orderId }); // the order failed: stock goes back
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Money } from "../../shared/money.js";
import { CartItem, MAX_CART_LINES, OrderId } from "../../shared/order.js";

/** A product on sale. */
export const Product = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  /** Path of the product's picture. */
  picture: z.string(),
  priceUsd: Money,
  categories: z.array(z.string()),
});
/** A product on sale. */
export type Product = z.infer<typeof Product>;

/** Stock held for an order: `reserved` until released (the order failed), then `released`. */
export const Reservation = z.object({
  orderId: z.string(),
  items: z.array(CartItem).max(MAX_CART_LINES),
  status: z.enum(["reserved", "released"]),
});
/** Stock held for an order. */
export type Reservation = z.infer<typeof Reservation>;

/** The catalog service's contract. */
export const catalog = defineService("catalog", {
  listProducts: method({
    input: z.object({}),
    output: z.object({ products: z.array(Product) }),
    idempotent: true,
    description: "Every product, in catalog order.",
  }),
  getProduct: method({
    input: z.object({ id: z.string().min(1).max(64) }),
    output: Product,
    idempotent: true,
    description: "One product; NOT_FOUND (PRODUCT_NOT_FOUND) when there is none with this id.",
  }),
  searchProducts: method({
    input: z.object({ query: z.string().min(1).max(100) }),
    output: z.object({ results: z.array(Product) }),
    idempotent: true,
    description: "Products whose name, description or category contains the query (any case).",
  }),
  getStock: method({
    input: z.object({ productId: z.string().min(1).max(64) }),
    output: z.object({ productId: z.string(), available: z.int().nonnegative() }),
    idempotent: true,
    description: "Units of a product in stock and not reserved; NOT_FOUND (PRODUCT_NOT_FOUND).",
  }),
  reserveStock: method({
    input: z.object({ orderId: OrderId, items: z.array(CartItem).max(MAX_CART_LINES).min(1) }),
    output: Reservation,
    // Keyed by the order: reserving again for the same order answers with the first reservation.
    idempotent: true,
    description:
      "Takes the items out of stock for an order, all or nothing; FAILED_PRECONDITION (OUT_OF_STOCK) or NOT_FOUND (PRODUCT_NOT_FOUND) otherwise.",
  }),
  releaseStock: method({
    input: z.object({ orderId: OrderId }),
    output: Reservation,
    // Releasing a released reservation changes nothing: safe to retry.
    idempotent: true,
    description:
      "Puts an order's reserved items back in stock; NOT_FOUND (RESERVATION_NOT_FOUND) for an unknown order.",
  }),
});
