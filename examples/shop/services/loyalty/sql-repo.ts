/** Loyalty awards on the app's store (table `loyalty_awards`), inside one transaction `tx`. */
import type { Queryable } from "weft/store";
import { sql } from "weft/store";
import type { LoyaltyRepo } from "./repo.js";

/** The loyalty repo working inside `tx`. */
export function createSqlLoyaltyRepo(tx: Queryable): LoyaltyRepo {
  return {
    async award(a) {
      const { rowCount } = await tx.execute(sql`
        insert into loyalty_awards (order_id, user_id, points, seq)
        values (${a.orderId}, ${a.userId}, ${a.points},
          (select coalesce(max(seq), 0) + 1 from loyalty_awards))
        on conflict (order_id) do nothing`);
      return rowCount === 1;
    },
    async awards(userId) {
      const rows = await tx.query<{ order_id: string; user_id: string; points: number | string }>(
        sql`select order_id, user_id, points from loyalty_awards where user_id = ${userId} order by seq`,
      );
      return rows.map((r) => ({
        orderId: r.order_id,
        userId: r.user_id,
        points: Number(r.points),
      }));
    },
  } satisfies LoyaltyRepo;
}
