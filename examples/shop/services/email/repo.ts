/** What the email service needs from its storage. */
import type { SentEmail } from "./contract.js";

/** Where sent mail is recorded. */
export interface MailRepo {
  /** Records a sent mail. */
  add(mail: SentEmail): Promise<void>;
  /** Mail sent so far, oldest first; only to `to` when given. */
  list(to?: string): Promise<readonly SentEmail[]>;
}
