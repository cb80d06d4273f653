/** What the email service needs from its storage. */
import type { SentEmail } from "./contract.js";

/** Where sent mail is recorded. */
export interface MailRepo {
  /**
   * Records a sent mail and returns it; when a mail about the same order was recorded already,
   * records nothing and returns that one instead.
   */
  add(mail: SentEmail): Promise<SentEmail>;
  /** The mail sent about an order, if any. */
  findByOrder(orderId: string): Promise<SentEmail | undefined>;
  /** Mail sent so far, oldest first; only to `to` when given. */
  list(to?: string): Promise<readonly SentEmail[]>;
}
