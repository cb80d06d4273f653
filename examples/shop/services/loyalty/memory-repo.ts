/** Loyalty awards in memory. */
import type { Award, LoyaltyRepo } from "./repo.js";

/** Awards held in a list. */
export function createMemoryLoyaltyRepo(): LoyaltyRepo {
  const awards: Award[] = [];
  return {
    async award(award) {
      if (awards.some((a) => a.orderId === award.orderId)) return false;
      awards.push(award);
      return true;
    },
    async awards(userId) {
      return awards.filter((a) => a.userId === userId);
    },
  } satisfies LoyaltyRepo;
}
