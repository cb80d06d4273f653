/** The email service: renders confirmations and records them instead of delivering them. */
import { randomUUID } from "node:crypto";
import { email } from "./contract.js";
import { createMemoryMailRepo } from "./memory-repo.js";
import { renderConfirmation } from "./render.js";
import type { MailRepo } from "./repo.js";

/** Implements email over `repo` (default: no mail, in memory). */
export function createEmail(repo: MailRepo = createMemoryMailRepo()) {
  return email.implement({
    async sendOrderConfirmation(_ctx, { email: to, order }) {
      const messageId = randomUUID();
      const { subject, text } = renderConfirmation(order);
      const sentAt = new Date().toISOString();
      await repo.add({ messageId, to, subject, text, orderId: order.orderId, sentAt });
      return { messageId };
    },
    async listSent(_ctx, { to }) {
      return { messages: [...(await repo.list(to))] };
    },
  });
}
