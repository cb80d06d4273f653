/**
 * Carts on the app's store (table `cart_items`), inside one transaction `tx`. Adding is one
 * upsert, so two concurrent adds of the same product both count.
 */
import type { Queryable } from "weft/store";
import { sql } from "weft/store";
import type { CartItem } from "../../shared/order.js";
import { cartFull, lineLimit, MAX_CART_LINES, MAX_LINE_QUANTITY } from "./limits.js";
import type { CartRepo } from "./repo.js";

/** The cart repo working inside `tx`. */
export function createSqlCartRepo(tx: Queryable): CartRepo {
  async function items(userId: string): Promise<CartItem[]> {
    const rows = await tx.query<{ product_id: string; quantity: number }>(sql`
      select product_id, quantity from cart_items where user_id = ${userId}
      order by line, product_id`);
    return rows.map((r) => ({ productId: r.product_id, quantity: Number(r.quantity) }));
  }
  return {
    items,
    async add(userId, { productId, quantity }) {
      const [cart] = await tx.query<{
        lines: number | string;
        present: number | string | null;
      }>(sql`
        select count(*) as lines,
          sum(case when product_id = ${productId} then 1 else 0 end) as present
        from cart_items where user_id = ${userId}`);
      if (Number(cart?.present ?? 0) === 0 && Number(cart?.lines ?? 0) >= MAX_CART_LINES) {
        throw cartFull(productId);
      }
      // A new line goes after the user's last one. The select list needs casts: PostgreSQL
      // would take untyped parameters there as text. A merge past the line's bound updates
      // nothing (atomically, so two concurrent adds cannot both pass it).
      const { rowCount } = await tx.execute(sql`
        insert into cart_items (user_id, product_id, quantity, line)
        select CAST(${userId} AS TEXT), CAST(${productId} AS TEXT), CAST(${quantity} AS INTEGER),
          coalesce(max(line), 0) + 1
        from cart_items where user_id = ${userId}
        on conflict (user_id, product_id)
        do update set quantity = cart_items.quantity + excluded.quantity
        where cart_items.quantity + excluded.quantity <= ${MAX_LINE_QUANTITY}`);
      if (rowCount === 0) throw lineLimit(productId, quantity);
      return items(userId);
    },
    async clear(userId) {
      await tx.execute(sql`delete from cart_items where user_id = ${userId}`);
    },
  } satisfies CartRepo;
}
