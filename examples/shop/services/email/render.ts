/** The text of an order confirmation. */
import { formatMoney } from "../../shared/money.js";
import type { OrderResult } from "../../shared/order.js";

/** Subject and plain text of the confirmation of `order`. */
export function renderConfirmation(order: OrderResult): { subject: string; text: string } {
  const lines = order.items.map(
    (item) => `  ${item.quantity} × ${item.name}  ${formatMoney(item.cost)}`,
  );
  const text = [
    `Thank you for your order ${order.orderId}.`,
    "",
    ...lines,
    `  Shipping  ${formatMoney(order.shippingCost)}`,
    `  Total     ${formatMoney(order.total)}`,
    "",
    `Tracking id: ${order.trackingId}`,
  ].join("\n");
  return { subject: `Your order ${order.orderId} is confirmed`, text };
}
