/** The cart service: carts per user, checking products against the catalog. */
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { catalog } from "../catalog/contract.js";
import { cart } from "./contract.js";
import type { CartRepo } from "./repo.js";
import { createSqlCartRepo } from "./sql-repo.js";

/** Implements the cart over `work` (default: the `cart_items` table on the app's store). */
export function createCart(work: UnitOfWork<CartRepo> = inStore(createSqlCartRepo)) {
  return cart.implement({
    async addItem(ctx, { userId, productId, quantity }) {
      // Refuse unknown products now rather than at checkout: NOT_FOUND flows back as is. The
      // check comes before the transaction: a transaction never spans a call.
      await ctx.client(catalog).getProduct({ id: productId });
      const items = await work(ctx, (repo) => repo.add(userId, { productId, quantity }));
      return { userId, items: [...items] };
    },
    async getCart(ctx, { userId }) {
      return { userId, items: [...(await work(ctx, (repo) => repo.items(userId)))] };
    },
    async emptyCart(ctx, { userId }) {
      await work(ctx, (repo) => repo.clear(userId));
      return {};
    },
  });
}
