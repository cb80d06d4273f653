/**
 * The checkout workflow: a saga whose steps are checkpointed in the app's store, so an order
 * placed when the process dies resumes where it stopped, and a failure undoes what was done.
 *
 *   price → reserve-stock → charge → ship → empty-cart → announce
 *
 * - `price` reads the cart and prices it; an empty cart, an unknown product or an unsupported
 *   currency fails the run here, with nothing to undo (status `failed`).
 * - `reserve-stock` (undone by releasing the stock), `charge` (undone by a refund) and `ship`
 *   (undone by cancelling the shipment): when a later step fails — a declined card, an address the
 *   carrier refuses — the steps done so far are compensated in reverse order and the run ends
 *   `compensated`, with the failing step's error (code, reason, metadata) as the run's error.
 * - once shipped the order stands: `empty-cart` and `announce` are retried, and if they still fail
 *   that is logged, not undone. Cancelling the run undoes everything, shipment included.
 * - `announce` publishes `order.placed`: email sends the confirmation and loyalty awards points,
 *   each once per order. The event's id derives from the run and step, so a step run again
 *   publishes nothing new.
 *
 * A step may run again if the process died while it ran (at-least-once), so every call that
 * changes something carries the order id as its idempotency key: stock is reserved, the card
 * charged, the order shipped and the confirmation sent once per order.
 *
 * The run's input is kept in the journal until retention deletes it, card number included: a
 * real shop would hand the workflow a payment token, never the card.
 *
 * @example
 * ```ts
 * const order = await workflows(ctx).run(checkoutWorkflow, { ...request, orderId }, { id: orderId });
 * ```
 */
import { defineWorkflow, type StepContext, type WorkflowContext } from "weft/workflow";
import type { z } from "zod";
import { cart } from "../services/cart/contract.js";
import { catalog } from "../services/catalog/contract.js";
import { PlaceOrderRequest } from "../services/checkout/contract.js";
import { priceCart } from "../services/checkout/price-cart.js";
import { payment } from "../services/payment/contract.js";
import { shipping } from "../services/shipping/contract.js";
import { orderPlaced } from "../shared/events.js";
import { OrderId, OrderResult } from "../shared/order.js";

/** What a checkout run takes: the order request with its id. */
export const CheckoutInput = PlaceOrderRequest.extend({ orderId: OrderId });
/** What a checkout run takes. */
export type CheckoutInput = z.infer<typeof CheckoutInput>;

/** Runs a step the placed order does not depend on: its failure is logged, not undone. */
async function bestEffort(
  wf: WorkflowContext,
  name: string,
  fn: (ctx: StepContext) => Promise<unknown>,
): Promise<void> {
  try {
    await wf.step(name, fn);
  } catch (err) {
    // A cancelled run must still compensate: only the step's own failure is swallowed.
    if ((err as { code?: unknown }).code === "CANCELLED") throw err;
    wf.logger.warn({ err }, `order placed, but step ${name} failed`);
  }
}

/** The checkout workflow: its run id is the order id. */
export const checkoutWorkflow = defineWorkflow(
  "checkout",
  { input: CheckoutInput, output: OrderResult },
  async (wf, order): Promise<OrderResult> => {
    const { orderId, userId, address } = order;
    const priced = await wf.step("price", (ctx) =>
      priceCart(ctx, userId, order.userCurrency, address),
    );
    const items = [...priced.cartItems];
    await wf.step("reserve-stock", (ctx) => ctx.client(catalog).reserveStock({ orderId, items }), {
      compensate: (ctx) => ctx.client(catalog).releaseStock({ orderId }),
    });
    const { transactionId } = await wf.step(
      "charge",
      (ctx) =>
        ctx.client(payment).charge({ orderId, amount: priced.total, creditCard: order.creditCard }),
      {
        compensate: (ctx, charge) =>
          ctx.client(payment).refund({ transactionId: charge.transactionId }),
      },
    );
    const { trackingId, placedAt } = await wf.step(
      "ship",
      async (ctx) => {
        const shipment = await ctx.client(shipping).shipOrder({ orderId, address, items });
        return { trackingId: shipment.trackingId, placedAt: new Date().toISOString() };
      },
      { compensate: (ctx, s) => ctx.client(shipping).cancelShipment({ trackingId: s.trackingId }) },
    );
    const placed: OrderResult = {
      orderId,
      trackingId,
      transactionId,
      items: [...priced.items],
      shippingAddress: address,
      shippingCost: priced.shippingCost,
      total: priced.total,
      placedAt,
    };
    await bestEffort(wf, "empty-cart", (ctx) => ctx.client(cart).emptyCart({ userId }));
    await bestEffort(wf, "announce", (ctx) =>
      ctx.publish(orderPlaced, { userId, email: order.email, order: placed }, { key: orderId }),
    );
    return placed;
  },
);
