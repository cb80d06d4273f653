/**
 * The shipping contract: quote the cost of sending items to an address, ship them (returning a
 * tracking id), cancel a shipment. Quotes are in US dollars. The fake carrier refuses to ship to
 * its test addresses (`test-addresses.ts`) with FAILED_PRECONDITION (ADDRESS_UNDELIVERABLE).
 *
 * @example
 * ```ts
 * const { cost } = await ctx.client(shipping).getQuote({ address, items });
 * const { trackingId } = await ctx.client(shipping).shipOrder({ address, items, orderId });
 * ```
 */
import { defineService, method } from "weft";
import { z } from "zod";
import { Address } from "../../shared/address.js";
import { Money } from "../../shared/money.js";
import { CartItem, MAX_CART_LINES, OrderId } from "../../shared/order.js";

/** What to send where. */
export const ShipmentRequest = z.object({
  address: Address,
  items: z.array(CartItem).max(MAX_CART_LINES).min(1),
});

/** A shipment as recorded. */
export const Shipment = z.object({
  trackingId: z.string(),
  /** The order shipped, when the caller gave one. */
  orderId: z.string().optional(),
  address: Address,
  items: z.array(CartItem).max(MAX_CART_LINES),
  status: z.enum(["shipped", "cancelled"]),
  /** When it was shipped (ISO 8601). */
  shippedAt: z.iso.datetime(),
  /** When it was cancelled (ISO 8601), if it was. */
  cancelledAt: z.iso.datetime().optional(),
});
/** A shipment as recorded. */
export type Shipment = z.infer<typeof Shipment>;

/** The shipping service's contract. */
export const shipping = defineService("shipping", {
  getQuote: method({
    input: ShipmentRequest,
    output: z.object({ cost: Money }),
    idempotent: true,
    description: "What shipping the items to the address costs, in USD.",
  }),
  shipOrder: method({
    input: ShipmentRequest.extend({
      /**
       * Idempotency key: shipping the same order again ships nothing and answers with the first
       * shipment's tracking id (so a workflow step may safely run it again).
       */
      orderId: OrderId.optional(),
    }),
    output: z.object({ trackingId: z.string() }),
    description:
      "Ships the items; the tracking id identifies the shipment. FAILED_PRECONDITION (ADDRESS_UNDELIVERABLE) for an address the carrier refuses.",
  }),
  cancelShipment: method({
    input: z.object({ trackingId: z.string().min(1) }),
    output: Shipment,
    // Cancelling a cancelled shipment changes nothing: safe to retry.
    idempotent: true,
    description: "Cancels a shipment; NOT_FOUND (SHIPMENT_NOT_FOUND) for an unknown tracking id.",
  }),
  listShipments: method({
    input: z.object({}),
    output: z.object({ shipments: z.array(Shipment) }),
    idempotent: true,
    description: "Every shipment, oldest first (for demos and tests).",
  }),
});
