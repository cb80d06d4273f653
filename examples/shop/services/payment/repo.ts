/** What the payment service needs from its storage. */
import type { Charge } from "./contract.js";

/** A charge as recorded (the contract's shape): never the full card number. */
export type { Charge } from "./contract.js";

/** Where charges live. */
export interface PaymentRepo {
  /**
   * Records a new charge and returns it; when a charge for the same `orderId` exists, records
   * nothing and returns that one instead.
   */
  add(charge: Charge): Promise<Charge>;
  /** The charge with this transaction id, if any. */
  get(transactionId: string): Promise<Charge | undefined>;
  /** The charge made for `orderId`, if any. */
  findByOrder(orderId: string): Promise<Charge | undefined>;
  /**
   * Sets `refundedAt` unless the charge was refunded already; returns the charge as it is now
   * (undefined for an unknown transaction).
   */
  markRefunded(transactionId: string, refundedAt: string): Promise<Charge | undefined>;
}
