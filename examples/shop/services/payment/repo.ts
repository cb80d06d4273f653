/** What the payment service needs from its storage. */
import type { Money } from "../../shared/money.js";

/** A charge as recorded: never the full card number. */
export interface Charge {
  readonly transactionId: string;
  readonly amount: Money;
  readonly last4: string;
  readonly brand: string;
  /** When the card was charged (ISO 8601). */
  readonly chargedAt: string;
  /** When the charge was refunded (ISO 8601), if it was. */
  readonly refundedAt?: string;
}

/** Where charges live. */
export interface PaymentRepo {
  /** Inserts or replaces a charge by its transaction id. */
  save(charge: Charge): Promise<void>;
  /** The charge with this transaction id, if any. */
  get(transactionId: string): Promise<Charge | undefined>;
}
