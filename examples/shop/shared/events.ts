/**
 * The shop's topics. Checkout publishes `order.placed` once an order stands (charged and shipped);
 * email sends the confirmation and loyalty awards points, each once per order, whether the shop
 * runs in one process or split.
 *
 * @example
 * ```ts
 * email.implement(handlers, { subscriptions: [subscribe(orderPlaced, sendConfirmation)] });
 * ```
 */
import { defineTopic } from "weft";
import { z } from "zod";
import { OrderResult } from "./order.js";

/** An order stood: charged, shipped. Its key is the order id. */
export const orderPlaced = defineTopic(
  "order.placed",
  z.object({ userId: z.string(), email: z.email(), order: OrderResult }),
  { description: "An order was charged and shipped." },
);
