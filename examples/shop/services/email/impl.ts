/**
 * The email service: renders confirmations and records them instead of delivering them. One
 * confirmation per order: sending it again answers with the first one's message id.
 */
import { randomUUID } from "node:crypto";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { email } from "./contract.js";
import { renderConfirmation } from "./render.js";
import type { MailRepo } from "./repo.js";
import { createSqlMailRepo } from "./sql-repo.js";

/** Implements email over `work` (default: the `email_sent` table on the app's store). */
export function createEmail(work: UnitOfWork<MailRepo> = inStore(createSqlMailRepo)) {
  return email.implement({
    async sendOrderConfirmation(ctx, { email: to, order }) {
      const { subject, text } = renderConfirmation(order);
      const sentAt = new Date().toISOString();
      const mail = { messageId: randomUUID(), to, subject, text, orderId: order.orderId, sentAt };
      const sent = await work(ctx, (repo) => repo.add(mail));
      return { messageId: sent.messageId };
    },
    async listSent(ctx, { to }) {
      return { messages: [...(await work(ctx, (repo) => repo.list(to)))] };
    },
  });
}
