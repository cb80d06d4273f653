/** What the catalog needs from its storage; adapters implement it (in memory, or SQL on the store). */
import type { CartItem } from "../../shared/order.js";
import type { Product, Reservation } from "./contract.js";

/** Where the catalog's products and their stock live. */
export interface CatalogRepo {
  /** Every product, in catalog order. */
  list(): Promise<readonly Product[]>;
  /** The product with this id, if any. */
  get(id: string): Promise<Product | undefined>;
  /** Products whose name, description or a category contains `query`, ignoring case. */
  search(query: string): Promise<readonly Product[]>;
  /** Units of a product in stock and not reserved (undefined for an unknown product). */
  available(productId: string): Promise<number | undefined>;
  /**
   * Takes `items` out of stock for `orderId`, all or nothing: throws OUT_OF_STOCK or
   * PRODUCT_NOT_FOUND (see errors.ts) and takes nothing. An order that has a reservation already
   * gets that one back unchanged, whatever `items` says.
   */
  reserve(orderId: string, items: readonly CartItem[]): Promise<Reservation>;
  /** Puts the order's items back once (then status `released`); undefined for an unknown order. */
  release(orderId: string): Promise<Reservation | undefined>;
}

/** Adds up the quantities of lines of the same product, keeping the order of first appearance. */
export function mergeLines(items: readonly CartItem[]): CartItem[] {
  const merged = new Map<string, number>();
  for (const { productId, quantity } of items) {
    merged.set(productId, (merged.get(productId) ?? 0) + quantity);
  }
  return [...merged].map(([productId, quantity]) => ({ productId, quantity }));
}
