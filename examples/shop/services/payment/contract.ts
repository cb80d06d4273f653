/**
 * The payment contract: charge a card, refund a charge. Declines are FAILED_PRECONDITION errors
 * with a stable reason (CARD_DECLINED, CARD_EXPIRED, CARD_NOT_ACCEPTED) and the card's last four
 * digits in the metadata; the full number is never echoed.
 *
 * @example
 * ```ts
 * const { transactionId } = await ctx.client(payment).charge({ amount, creditCard });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Money } from "../../shared/money.js";
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

/** The payment service's contract. */
export const payment = defineService("payment", {
  charge: method({
    input: z.object({ amount: Money, creditCard: CreditCard }),
    output: z.object({ transactionId: z.string() }),
    description:
      "Charges the card; FAILED_PRECONDITION with reason CARD_DECLINED, CARD_EXPIRED or CARD_NOT_ACCEPTED when it cannot.",
  }),
  refund: method({
    input: z.object({ transactionId: z.string().min(1) }),
    output: z.object({ transactionId: z.string(), refundedAt: z.iso.datetime() }),
    // Refunding a refunded charge answers with the first refund: safe to retry.
    idempotent: true,
    description: "Refunds a charge in full; NOT_FOUND (TRANSACTION_NOT_FOUND) for an unknown one.",
  }),
});
