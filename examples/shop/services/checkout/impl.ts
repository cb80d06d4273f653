/**
 * The checkout service: places an order by running the checkout workflow (workflows/checkout.ts)
 * with the order id as the run id, and reads how an order went from that run's journal. It owns
 * no tables: the journal is the workflow engine's.
 *
 * Placing an order answers when its run ends: with the order, or with the error the run ended on
 * (after its compensations). Placing it again with the same order id and the same request starts
 * nothing: it waits for the same run and answers the same way; with a different request it fails
 * with ALREADY_EXISTS (RUN_EXISTS). If the caller's deadline passes first, the run goes on: ask
 * `getOrder` (or place the same order again) later. Without an order id, a request through the
 * gateway under an `Idempotency-Key` takes the key's `idempotency-id` as its order id, so retrying
 * with the key after such an answer gets the order's real outcome.
 */
import { randomUUID } from "node:crypto";
import { isWeftError } from "weft";
import { workflows } from "weft/workflow";
import { type CheckoutInput, checkoutWorkflow } from "../../workflows/checkout.js";
import { checkout } from "./contract.js";
import { orderNotFound, orderStatus } from "./order-status.js";

/** Implements checkout on the app's workflow engine. */
export function createCheckout() {
  return checkout.implement({
    async placeOrder(ctx, request) {
      // Through the gateway, a request under an Idempotency-Key carries a stable id of that key:
      // a retry after an answer that did not know the outcome (a deadline) places the same order,
      // so it waits for the same run instead of placing a second one.
      const orderId = request.orderId ?? ctx.metadata["idempotency-id"] ?? randomUUID();
      const input: CheckoutInput = { ...request, orderId };
      return workflows(ctx).run(checkoutWorkflow, input, {
        id: input.orderId,
        timeout: Math.max(1, ctx.remaining()),
      });
    },
    async getOrder(ctx, { orderId }) {
      try {
        const run = await workflows(ctx).get(orderId);
        if (run.workflow !== checkoutWorkflow.name) throw orderNotFound(orderId);
        return orderStatus(run);
      } catch (error) {
        if (isWeftError(error) && error.reason === "RUN_NOT_FOUND") throw orderNotFound(orderId);
        throw error;
      }
    },
  });
}
