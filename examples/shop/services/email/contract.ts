/**
 * The email contract: send an order confirmation, and list what was sent (this fake keeps mail in
 * its repo instead of delivering it, so demos and tests can read it).
 *
 * @example
 * ```ts
 * await ctx.client(email).sendOrderConfirmation({ email: "ada@example.com", order });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { OrderResult } from "../../shared/order.js";

/** A mail as sent. */
export const SentEmail = z.object({
  messageId: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  orderId: z.string(),
  /** When it was sent (ISO 8601). */
  sentAt: z.iso.datetime(),
});
/** A mail as sent. */
export type SentEmail = z.infer<typeof SentEmail>;

/** The email service's contract. */
export const email = defineService("email", {
  sendOrderConfirmation: method({
    input: z.object({ email: z.email(), order: OrderResult }),
    output: z.object({ messageId: z.string() }),
    // One confirmation per order: sending it again answers with the first one's message id.
    idempotent: true,
    description: "Sends the buyer a confirmation of their order (once per order id).",
  }),
  listSent: method({
    input: z.object({ to: z.email().optional() }),
    output: z.object({ messages: z.array(SentEmail) }),
    idempotent: true,
    description: "Mail sent so far, oldest first; only to one address when `to` is given.",
  }),
});
