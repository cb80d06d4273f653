/** Sent mail in memory. */
import type { SentEmail } from "./contract.js";
import type { MailRepo } from "./repo.js";

/** Sent mail held in a list. */
export function createMemoryMailRepo(): MailRepo {
  const sent: SentEmail[] = [];
  return {
    async add(mail) {
      sent.push(mail);
    },
    async list(to) {
      return to === undefined ? [...sent] : sent.filter((m) => m.to === to);
    },
  } satisfies MailRepo;
}
