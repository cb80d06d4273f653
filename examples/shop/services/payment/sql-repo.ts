/** Charges on the app's store (table `payment_charges`), inside one transaction `tx`. */
import type { Queryable } from "weft/store";
import { type SqlFragment, sql } from "weft/store";
import type { Charge, PaymentRepo } from "./repo.js";

interface ChargeRow {
  transaction_id: string;
  order_id: string | null;
  currency_code: string;
  units: number;
  nanos: number;
  last4: string;
  brand: string;
  charged_at: string;
  refunded_at: string | null;
}

function charge(r: ChargeRow): Charge {
  return {
    transactionId: r.transaction_id,
    ...(r.order_id === null ? {} : { orderId: r.order_id }),
    amount: { currencyCode: r.currency_code, units: Number(r.units), nanos: Number(r.nanos) },
    last4: r.last4,
    brand: r.brand,
    chargedAt: r.charged_at,
    ...(r.refunded_at === null ? {} : { refundedAt: r.refunded_at }),
  };
}

/** The payment repo working inside `tx`. */
export function createSqlPaymentRepo(tx: Queryable): PaymentRepo {
  const one = async (where: SqlFragment) => {
    const [row] = await tx.query<ChargeRow>(sql`select * from payment_charges where ${where}`);
    return row === undefined ? undefined : charge(row);
  };
  const get = (transactionId: string) => one(sql`transaction_id = ${transactionId}`);
  return {
    get,
    findByOrder: (orderId) => one(sql`order_id = ${orderId}`),
    async add(c) {
      const { amount } = c;
      // A second charge of the same order inserts nothing (it waits for the first on PostgreSQL).
      const added = await tx.execute(sql`
        insert into payment_charges (transaction_id, order_id, currency_code, units, nanos,
          last4, brand, charged_at, refunded_at)
        values (${c.transactionId}, ${c.orderId ?? null}, ${amount.currencyCode}, ${amount.units},
          ${amount.nanos}, ${c.last4}, ${c.brand}, ${c.chargedAt}, ${c.refundedAt ?? null})
        on conflict (order_id) do nothing`);
      if (added.rowCount === 1 || c.orderId === undefined) return c;
      return (await one(sql`order_id = ${c.orderId}`)) ?? c;
    },
    async markRefunded(transactionId, refundedAt) {
      await tx.execute(sql`
        update payment_charges set refunded_at = ${refundedAt}
        where transaction_id = ${transactionId} and refunded_at is null`);
      return get(transactionId);
    },
  } satisfies PaymentRepo;
}
