/** Charges in memory. */
import type { Charge, PaymentRepo } from "./repo.js";

/** Charges held in a map by transaction id. */
export function createMemoryPaymentRepo(): PaymentRepo {
  const charges = new Map<string, Charge>();
  return {
    async save(charge) {
      charges.set(charge.transactionId, charge);
    },
    async get(transactionId) {
      return charges.get(transactionId);
    },
  } satisfies PaymentRepo;
}
