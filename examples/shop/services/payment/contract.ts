/**
 * The payment contract: charge a card, refund a charge. Declines are FAILED_PRECONDITION errors
 * with a stable reason (CARD_DECLINED, CARD_EXPIRED, CARD_NOT_ACCEPTED) and the card's last four
 * digits in the metadata; the full number is never echoed.
 *
 * @example
 * ```ts
 * const { transactionId } = await ctx.client(payment).charge({ amount, creditCard, orderId });
 * await ctx.client(payment).refund({ transactionId });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Money } from "../../shared/money.js";
import { OrderId } from "../../shared/order.js";
import { isLuhnValid } from "./card.js";

/** A credit card as the buyer enters it. */
export const CreditCard = z.object({
  number: z
    .string()
    .regex(/^\d{12,19}$/, { error: "must be 12 to 19 digits", abort: true })
    .refine(isLuhnValid, "is not a valid card number (Luhn checksum)"),
  cvv: z.string().regex(/^\d{3,4}$/, "must be 3 or 4 digits"),
  expirationYear: z.int().min(2000).max(2100),
  expirationMonth: z.int().min(1).max(12),
});
/** A credit card as the buyer enters it. */
export type CreditCard = z.infer<typeof CreditCard>;

/** A charge as recorded: never the full card number. */
export const Charge = z.object({
  transactionId: z.string(),
  /** The order it pays for, when the caller gave one. */
  orderId: z.string().optional(),
  amount: Money,
  last4: z.string(),
  brand: z.string(),
  /** When the card was charged (ISO 8601). */
  chargedAt: z.iso.datetime(),
  /** When the charge was refunded (ISO 8601), if it was. */
  refundedAt: z.iso.datetime().optional(),
});
/** A charge as recorded. */
export type Charge = z.infer<typeof Charge>;

/** The payment service's contract. */
export const payment = defineService("payment", {
  charge: method({
    input: z.object({
      amount: Money,
      creditCard: CreditCard,
      /**
       * Idempotency key: a second charge for the same order charges nothing and answers with the
       * first one's transaction (so a workflow step may safely run it again).
       */
      orderId: OrderId.optional(),
    }),
    output: z.object({ transactionId: z.string() }),
    description:
      "Charges the card; FAILED_PRECONDITION with reason CARD_DECLINED, CARD_EXPIRED or CARD_NOT_ACCEPTED when it cannot.",
  }),
  getCharge: method({
    input: z.object({ transactionId: z.string().min(1) }),
    output: Charge,
    idempotent: true,
    description: "A charge and its refund, if any; NOT_FOUND (TRANSACTION_NOT_FOUND).",
  }),
  refund: method({
    input: z.object({ transactionId: z.string().min(1) }),
    output: z.object({ transactionId: z.string(), refundedAt: z.iso.datetime() }),
    // Refunding a refunded charge answers with the first refund: safe to retry.
    idempotent: true,
    description: "Refunds a charge in full; NOT_FOUND (TRANSACTION_NOT_FOUND) for an unknown one.",
  }),
});
