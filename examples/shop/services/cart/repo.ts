/** What the cart service needs from its storage. */
import type { CartItem } from "../../shared/order.js";

/** Where carts live. `add` merges in one step, so concurrent adds never lose an update. */
export interface CartRepo {
  /** The user's items, in the order first added (empty when none). */
  items(userId: string): Promise<readonly CartItem[]>;
  /**
   * Adds `item.quantity` to the user's line of that product (or a new line); returns the items.
   * Throws FAILED_PRECONDITION, writing nothing, past the bounds of limits.ts.
   */
  add(userId: string, item: CartItem): Promise<readonly CartItem[]>;
  /** Removes the user's cart. */
  clear(userId: string): Promise<void>;
}
