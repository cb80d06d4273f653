/**
 * The checkout contract: place the order of a user's cart, and see how an order went. Placing an
 * order runs the `checkout` workflow (workflows/checkout.ts) whose run id is the order id, and
 * answers when the run ends. Errors of the services it calls reach the caller unchanged: a
 * declined card is payment's FAILED_PRECONDITION (CARD_DECLINED) with its metadata, not an
 * INTERNAL error of checkout.
 *
 * @example
 * ```ts
 * const order = await app.client(checkout).placeOrder({
 *   orderId: "order-1", userId: "u1", userCurrency: "EUR", email: "ada@example.com", address, creditCard,
 * });
 * const { status, steps } = await app.client(checkout).getOrder({ orderId: order.orderId });
 * ```
 */
import { defineService, method } from "weft";
import { RUN_STATUSES } from "weft/workflow";
import { z } from "zod";
import { Address } from "../../shared/address.js";
import { OrderId, OrderResult } from "../../shared/order.js";
import { UserId } from "../cart/contract.js";
import { CurrencyCode } from "../currency/contract.js";
import { CreditCard } from "../payment/contract.js";

/** What placing an order takes. */
export const PlaceOrderRequest = z.object({
  /**
   * The order's id, which is its idempotency key: placing an order with an id used before does
   * not place it again but answers with how that order went. Default: a new id.
   */
  orderId: OrderId.optional(),
  userId: UserId,
  /** Currency the order is priced and charged in. */
  userCurrency: CurrencyCode,
  address: Address,
  email: z.email(),
  creditCard: CreditCard,
});
/** What placing an order takes. */
export type PlaceOrderRequest = z.infer<typeof PlaceOrderRequest>;

/** An error as the journal recorded it. */
export const RecordedError = z.object({
  code: z.string(),
  reason: z.string(),
  message: z.string(),
  metadata: z.record(z.string(), z.string()),
});

/** How an order went, from its workflow run's journal. */
export const OrderStatus = z.object({
  orderId: z.string(),
  /** The run's status: `completed`, `compensated` (failed, then undone), `running`, … */
  status: z.enum(RUN_STATUSES),
  /** What the run did, in order: steps, then compensations (`compensate:<step>`) if it failed. */
  steps: z.array(z.object({ name: z.string(), ok: z.boolean(), reason: z.string().optional() })),
  /** The charge, once the card was charged (it may have been refunded since). */
  transactionId: z.string().optional(),
  /** The placed order, when the run completed. */
  order: OrderResult.optional(),
  /** Why the order failed, when it did. */
  error: RecordedError.optional(),
});
/** How an order went. */
export type OrderStatus = z.infer<typeof OrderStatus>;

/** The checkout service's contract. */
export const checkout = defineService("checkout", {
  placeOrder: method({
    input: PlaceOrderRequest,
    output: OrderResult,
    description:
      "Prices the cart, reserves stock, charges the card, ships, empties the cart and emails a confirmation; a failure after the stock was reserved undoes what was done.",
  }),
  getOrder: method({
    input: z.object({ orderId: OrderId }),
    output: OrderStatus,
    idempotent: true,
    description: "How an order went: status and steps; NOT_FOUND (ORDER_NOT_FOUND).",
  }),
});
