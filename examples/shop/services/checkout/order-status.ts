/** How an order went, read from its checkout run: the journal as `checkout.getOrder` shows it. */
import { notFound } from "weft";
import type { RunDetails } from "weft/workflow";
import type { OrderResult } from "../../shared/order.js";
import type { OrderStatus } from "./contract.js";

/** NOT_FOUND (ORDER_NOT_FOUND) naming the order. */
export function orderNotFound(orderId: string) {
  return notFound("ORDER_NOT_FOUND", `no order ${orderId}`, { metadata: { orderId } });
}

/** The status of the order whose checkout run is `run`. */
export function orderStatus(run: RunDetails): OrderStatus {
  const charge = run.steps.find((s) => s.name === "charge" && s.ok)?.output as
    | { transactionId: string }
    | undefined;
  return {
    orderId: run.id,
    status: run.status,
    steps: run.steps.map((s) => ({
      name: s.name,
      ok: s.ok,
      ...(s.error === undefined ? {} : { reason: s.error.reason }),
    })),
    ...(charge === undefined ? {} : { transactionId: charge.transactionId }),
    ...(run.status === "completed" ? { order: run.output as OrderResult } : {}),
    ...(run.error === undefined
      ? {}
      : {
          error: {
            code: run.error.code,
            reason: run.error.reason,
            message: run.error.message,
            metadata: { ...run.error.metadata },
          },
        }),
  };
}
