/**
 * Shapes several services share: a line of a cart, and the result of a placed order (checkout
 * returns it, email renders it).
 */
import { z } from "zod";
import { Address } from "./address.js";
import { Money } from "./money.js";

/** Identifies an order: its checkout run, charge, shipment, stock reservation and email. */
export const OrderId = z.string().min(1).max(128);

/**
 * The most of one product a cart or order line holds. With {@link MAX_CART_LINES}, it keeps every
 * sum of a cart (quantities, prices times quantities) far inside the range numbers hold exactly.
 */
export const MAX_LINE_QUANTITY = 1000;

/** The most products (lines) one cart or order holds. */
export const MAX_CART_LINES = 100;

/** A product and how many of it (at most {@link MAX_LINE_QUANTITY}). */
export const CartItem = z.object({
  productId: z.string().min(1).max(64),
  quantity: z.int().positive().max(MAX_LINE_QUANTITY),
});
/** A product and how many of it. */
export type CartItem = z.infer<typeof CartItem>;

/** One line of a placed order, priced in the buyer's currency. */
export const OrderItem = z.object({
  productId: z.string(),
  name: z.string(),
  quantity: z.int().positive().max(MAX_LINE_QUANTITY),
  /** Price of one, converted to the buyer's currency. */
  unitPrice: Money,
  /** `unitPrice × quantity`. */
  cost: Money,
});
/** One line of a placed order. */
export type OrderItem = z.infer<typeof OrderItem>;

/** What checkout returns for a placed order. Every amount is in the buyer's currency. */
export const OrderResult = z.object({
  orderId: z.string(),
  trackingId: z.string(),
  transactionId: z.string(),
  items: z.array(OrderItem).max(MAX_CART_LINES),
  shippingAddress: Address,
  shippingCost: Money,
  /** Items plus shipping: what was charged. */
  total: Money,
  /** When the order was placed (ISO 8601). */
  placedAt: z.iso.datetime(),
});
/** What checkout returns for a placed order. */
export type OrderResult = z.infer<typeof OrderResult>;
