/**
 * The email service: renders confirmations and records them instead of delivering them. One
 * confirmation per order: sending it again answers with the first one's message id.
 */
import { randomUUID } from "node:crypto";
import { type CallContext, subscribe } from "weft";
import { orderPlaced } from "../../shared/events.js";
import type { OrderResult } from "../../shared/order.js";
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { email } from "./contract.js";
import { renderConfirmation } from "./render.js";
import type { MailRepo } from "./repo.js";
import { createSqlMailRepo } from "./sql-repo.js";

/**
 * Implements email over `work` (default: the `email_sent` table on the app's store). It sends the
 * confirmation of every placed order (`order.placed`), and on request.
 */
export function createEmail(work: UnitOfWork<MailRepo> = inStore(createSqlMailRepo)) {
  const send = async (ctx: CallContext, to: string, order: OrderResult) => {
    const { subject, text } = renderConfirmation(order);
    const sentAt = new Date().toISOString();
    const mail = { messageId: randomUUID(), to, subject, text, orderId: order.orderId, sentAt };
    return work(ctx, (repo) => repo.add(mail));
  };
  return email.implement(
    {
      async sendOrderConfirmation(ctx, { email: to, order }) {
        const sent = await send(ctx, to, order);
        return { messageId: sent.messageId };
      },
      async listSent(ctx, { to }) {
        return { messages: [...(await work(ctx, (repo) => repo.list(to)))] };
      },
    },
    {
      subscriptions: [
        subscribe(orderPlaced, async (ctx, event) => {
          await send(ctx, event.email, event.order);
        }),
      ],
    },
  );
}
