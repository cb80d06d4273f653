/**
 * The loyalty service: awards points when an order is placed (the `order.placed` event, once per
 * order even if the event is delivered twice: the award is written in the handler's transaction,
 * which the inbox records) and shows a user's account.
 */
import { subscribe } from "weft";
import { orderPlaced } from "../../shared/events.js";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { loyalty } from "./contract.js";
import type { LoyaltyRepo } from "./repo.js";
import { createSqlLoyaltyRepo } from "./sql-repo.js";

/** Points an order earns: one per whole unit of its total. */
export function pointsFor(total: { units: number }): number {
  return Math.max(0, Math.floor(total.units));
}

/** Implements loyalty over `work` (default: the `loyalty_awards` table on the app's store). */
export function createLoyalty(work: UnitOfWork<LoyaltyRepo> = inStore(createSqlLoyaltyRepo)) {
  return loyalty.implement(
    {
      async getAccount(ctx, { userId }) {
        const awards = await work(ctx, (repo) => repo.awards(userId));
        return {
          userId,
          points: awards.reduce((sum, a) => sum + a.points, 0),
          orders: awards.map((a) => ({ orderId: a.orderId, points: a.points })),
        };
      },
    },
    {
      subscriptions: [
        subscribe(orderPlaced, async (ctx, { userId, order }) => {
          await work(ctx, (repo) =>
            repo.award({ userId, orderId: order.orderId, points: pointsFor(order.total) }),
          );
        }),
      ],
    },
  );
}
