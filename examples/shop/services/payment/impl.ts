/**
 * The payment service: a fake card processor. It accepts valid Visa and Mastercard numbers that are
 * not expired, declines the test cards of `test-cards.ts`, and records charges in its repo.
 */
import { randomUUID } from "node:crypto";
import { failedPrecondition, invalidArgument, notFound } from "weft";
import { isPositive } from "../../shared/money.js";
import { cardBrand, last4 } from "./card.js";
import { type CreditCard, payment } from "./contract.js";
import { createMemoryPaymentRepo } from "./memory-repo.js";
import type { PaymentRepo } from "./repo.js";
import { DECLINED_CARDS } from "./test-cards.js";

/** Options of {@link createPayment}. */
export interface PaymentOptions {
  /** The clock expiry is checked against. Default: the system clock. */
  now?: () => Date;
}

/** Throws the FAILED_PRECONDITION error that says why `card` cannot be charged, if it cannot. */
function checkCard(card: CreditCard, now: Date): void {
  const brand = cardBrand(card.number);
  const metadata = { last4: last4(card.number), brand };
  if (brand !== "visa" && brand !== "mastercard") {
    throw failedPrecondition("CARD_NOT_ACCEPTED", `${brand} cards are not accepted`, { metadata });
  }
  const expiration = `${card.expirationYear}-${String(card.expirationMonth).padStart(2, "0")}`;
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  if (card.expirationYear * 12 + (card.expirationMonth - 1) < current) {
    throw failedPrecondition(
      "CARD_EXPIRED",
      `card ending ${metadata.last4} expired ${expiration}`,
      {
        metadata: { ...metadata, expiration },
      },
    );
  }
  const declineCode = DECLINED_CARDS.get(card.number);
  if (declineCode !== undefined) {
    throw failedPrecondition(
      "CARD_DECLINED",
      `card ending ${metadata.last4} was declined (${declineCode})`,
      // Refused before any charge: the caller may safely treat it as "nothing happened".
      { metadata: { ...metadata, declineCode }, mayHaveRun: false },
    );
  }
}

/** Implements payment over `repo` (default: no charges, in memory). */
export function createPayment(
  repo: PaymentRepo = createMemoryPaymentRepo(),
  options: PaymentOptions = {},
) {
  const now = options.now ?? (() => new Date());
  return payment.implement({
    async charge(ctx, { amount, creditCard }) {
      if (!isPositive(amount)) {
        throw invalidArgument("AMOUNT_NOT_POSITIVE", "the amount to charge must be positive", {
          issues: [{ path: ["amount"], message: "must be greater than zero" }],
        });
      }
      const at = now();
      checkCard(creditCard, at);
      const transactionId = randomUUID();
      const card = { last4: last4(creditCard.number), brand: cardBrand(creditCard.number) };
      await repo.save({ transactionId, amount, ...card, chargedAt: at.toISOString() });
      ctx.logger.debug({ transactionId, last4: card.last4 }, "card charged");
      return { transactionId };
    },
    async refund(_ctx, { transactionId }) {
      const charge = await repo.get(transactionId);
      if (charge === undefined) {
        throw notFound("TRANSACTION_NOT_FOUND", `no charge with transaction id ${transactionId}`, {
          metadata: { transactionId },
        });
      }
      if (charge.refundedAt !== undefined) return { transactionId, refundedAt: charge.refundedAt };
      const refundedAt = now().toISOString();
      await repo.save({ ...charge, refundedAt });
      return { transactionId, refundedAt };
    },
  });
}
