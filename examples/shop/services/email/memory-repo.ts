/** Sent mail in memory. */
import type { SentEmail } from "./contract.js";
import type { MailRepo } from "./repo.js";

/** Sent mail held in a list. */
export function createMemoryMailRepo(): MailRepo {
  const sent: SentEmail[] = [];
  const byOrder = (orderId: string) => sent.find((m) => m.orderId === orderId);
  return {
    async add(mail) {
      const existing = byOrder(mail.orderId);
      if (existing !== undefined) return existing;
      sent.push(mail);
      return mail;
    },
    async findByOrder(orderId) {
      return byOrder(orderId);
    },
    async list(to) {
      return to === undefined ? [...sent] : sent.filter((m) => m.to === to);
    },
  } satisfies MailRepo;
}
