/** The cart service: carts per user, checking products against the catalog. */
import { catalog } from "../catalog/contract.js";
import { cart } from "./contract.js";
import { createMemoryCartRepo } from "./memory-repo.js";
import type { CartRepo } from "./repo.js";

/** Implements the cart over `repo` (default: empty carts in memory). */
export function createCart(repo: CartRepo = createMemoryCartRepo()) {
  return cart.implement({
    async addItem(ctx, { userId, productId, quantity }) {
      // Refuse unknown products now rather than at checkout: NOT_FOUND flows back as is.
      await ctx.client(catalog).getProduct({ id: productId });
      return { userId, items: [...(await repo.add(userId, { productId, quantity }))] };
    },
    async getCart(_ctx, { userId }) {
      return { userId, items: [...(await repo.items(userId))] };
    },
    async emptyCart(_ctx, { userId }) {
      await repo.clear(userId);
      return {};
    },
  });
}
