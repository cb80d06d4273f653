/** Carts in memory. */
import type { CartItem } from "../../shared/order.js";
import { cartFull, lineLimit, MAX_CART_LINES, MAX_LINE_QUANTITY } from "./limits.js";
import type { CartRepo } from "./repo.js";

/** Carts held in a map from user id to product id to quantity. */
export function createMemoryCartRepo(): CartRepo {
  const carts = new Map<string, Map<string, number>>();
  const itemsOf = (userId: string): CartItem[] =>
    [...(carts.get(userId) ?? [])].map(([productId, quantity]) => ({ productId, quantity }));
  return {
    async items(userId) {
      return itemsOf(userId);
    },
    async add(userId, { productId, quantity }) {
      let lines = carts.get(userId);
      if (lines === undefined) {
        lines = new Map();
        carts.set(userId, lines);
      }
      const current = lines.get(productId);
      if (current === undefined && lines.size >= MAX_CART_LINES) throw cartFull(productId);
      if ((current ?? 0) + quantity > MAX_LINE_QUANTITY) throw lineLimit(productId, quantity);
      lines.set(productId, (current ?? 0) + quantity);
      return itemsOf(userId);
    },
    async clear(userId) {
      carts.delete(userId);
    },
  } satisfies CartRepo;
}
