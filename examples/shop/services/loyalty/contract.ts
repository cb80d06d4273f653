/**
 * The loyalty contract: points a user earned by ordering (one point per whole unit of each order's
 * total, in the order's currency), awarded when `order.placed` arrives.
 *
 * @example
 * ```ts
 * const { points } = await ctx.client(loyalty).getAccount({ userId: "ada" });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";

/** A user's loyalty account. */
export const LoyaltyAccount = z.object({
  userId: z.string(),
  points: z.int().nonnegative(),
  /** Orders that earned points, oldest first. */
  orders: z.array(z.object({ orderId: z.string(), points: z.int().nonnegative() })),
});
/** A user's loyalty account. */
export type LoyaltyAccount = z.infer<typeof LoyaltyAccount>;

/** The loyalty service's contract. */
export const loyalty = defineService("loyalty", {
  getAccount: method({
    input: z.object({ userId: z.string().min(1).max(128) }),
    output: LoyaltyAccount,
    idempotent: true,
    description: "A user's points and the orders that earned them (zero before any order).",
  }),
});
