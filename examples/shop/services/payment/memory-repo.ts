/** Charges in memory. */
import type { Charge, PaymentRepo } from "./repo.js";

/** Charges held in a map by transaction id. */
export function createMemoryPaymentRepo(): PaymentRepo {
  const charges = new Map<string, Charge>();
  const byOrder = (orderId: string) => [...charges.values()].find((c) => c.orderId === orderId);
  return {
    async add(charge) {
      const existing = charge.orderId === undefined ? undefined : byOrder(charge.orderId);
      if (existing !== undefined) return existing;
      charges.set(charge.transactionId, charge);
      return charge;
    },
    async get(transactionId) {
      return charges.get(transactionId);
    },
    async findByOrder(orderId) {
      return byOrder(orderId);
    },
    async markRefunded(transactionId, refundedAt) {
      const charge = charges.get(transactionId);
      if (charge === undefined || charge.refundedAt !== undefined) return charge;
      const refunded = { ...charge, refundedAt };
      charges.set(transactionId, refunded);
      return refunded;
    },
  } satisfies PaymentRepo;
}
