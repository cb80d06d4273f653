/** Sent mail on the app's store (table `email_sent`), inside one transaction `tx`. */
import type { Queryable } from "weft/store";
import { type SqlFragment, sql } from "weft/store";
import type { SentEmail } from "./contract.js";
import type { MailRepo } from "./repo.js";

interface MailRow {
  message_id: string;
  order_id: string;
  recipient: string;
  subject: string;
  body: string;
  sent_at: string;
}

const mail = (r: MailRow): SentEmail => ({
  messageId: r.message_id,
  to: r.recipient,
  subject: r.subject,
  text: r.body,
  orderId: r.order_id,
  sentAt: r.sent_at,
});

/** The mail repo working inside `tx`. */
export function createSqlMailRepo(tx: Queryable): MailRepo {
  const select = async (where: SqlFragment) =>
    (
      await tx.query<MailRow>(
        sql`select * from email_sent where ${where} order by sent_at, message_id`,
      )
    ).map(mail);
  const findByOrder = async (orderId: string) => (await select(sql`order_id = ${orderId}`))[0];
  return {
    findByOrder,
    list: (to) => select(to === undefined ? sql`true` : sql`recipient = ${to}`),
    async add(m) {
      const added = await tx.execute(sql`
        insert into email_sent (message_id, order_id, recipient, subject, body, sent_at)
        values (${m.messageId}, ${m.orderId}, ${m.to}, ${m.subject}, ${m.text}, ${m.sentAt})
        on conflict (order_id) do nothing`);
      return added.rowCount === 1 ? m : ((await findByOrder(m.orderId)) ?? m);
    },
  } satisfies MailRepo;
}
