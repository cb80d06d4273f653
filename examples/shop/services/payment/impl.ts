/**
 * The payment service: a fake card processor. It accepts valid Visa and Mastercard numbers that are
 * not expired, declines the test cards of `test-cards.ts`, and records charges in its repo. A
 * charge that names its order is charged once per order, however often it is asked.
 */
import { randomUUID } from "node:crypto";
import { failedPrecondition, invalidArgument, notFound } from "weft";
import { isPositive } from "../../shared/money.js";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { cardBrand, last4 } from "./card.js";
import { type CreditCard, payment } from "./contract.js";
import type { PaymentRepo } from "./repo.js";
import { createSqlPaymentRepo } from "./sql-repo.js";
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

/** NOT_FOUND (TRANSACTION_NOT_FOUND) naming the transaction. */
function transactionNotFound(transactionId: string) {
  return notFound("TRANSACTION_NOT_FOUND", `no charge with transaction id ${transactionId}`, {
    metadata: { transactionId },
  });
}

/** Implements payment over `work` (default: the `payment_charges` table on the app's store). */
export function createPayment(
  work: UnitOfWork<PaymentRepo> = inStore(createSqlPaymentRepo),
  options: PaymentOptions = {},
) {
  const now = options.now ?? (() => new Date());
  return payment.implement({
    async charge(ctx, { amount, creditCard, orderId }) {
      if (!isPositive(amount)) {
        throw invalidArgument("AMOUNT_NOT_POSITIVE", "the amount to charge must be positive", {
          issues: [{ path: ["amount"], message: "must be greater than zero" }],
        });
      }
      const charged = await work(ctx, async (repo) => {
        const earlier = orderId === undefined ? undefined : await repo.findByOrder(orderId);
        if (earlier !== undefined) return earlier;
        const at = now();
        checkCard(creditCard, at);
        const card = { last4: last4(creditCard.number), brand: cardBrand(creditCard.number) };
        const transactionId = randomUUID();
        const order = orderId === undefined ? {} : { orderId };
        return repo.add({ transactionId, ...order, amount, ...card, chargedAt: at.toISOString() });
      });
      ctx.logger.debug({ transactionId: charged.transactionId, orderId }, "card charged");
      return { transactionId: charged.transactionId };
    },
    async getCharge(ctx, { transactionId }) {
      const charge = await work(ctx, (repo) => repo.get(transactionId));
      if (charge === undefined) throw transactionNotFound(transactionId);
      return charge;
    },
    async refund(ctx, { transactionId }) {
      const refundedAt = now().toISOString();
      const charge = await work(ctx, (repo) => repo.markRefunded(transactionId, refundedAt));
      if (charge?.refundedAt === undefined) throw transactionNotFound(transactionId);
      return { transactionId, refundedAt: charge.refundedAt };
    },
  });
}
