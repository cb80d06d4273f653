/**
 * The catalog contract: the products on sale, priced in US dollars like Online Boutique's.
 *
 * @example
 * ```ts
 * const { products } = await ctx.client(catalog).listProducts({});
 * const mug = await ctx.client(catalog).getProduct({ id: "6E92ZMYYFZ" });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Money } from "../../shared/money.js";

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
});
