/**
 * The demo's order helpers: how a checkout run went, from `checkout.getOrder`, in one line, and
 * the error a call failed with. Part of the tour of demo.ts.
 */
import { randomUUID } from "node:crypto";
import { type App, isWeftError, type WeftError } from "weft";
import { checkout } from "./services/checkout/contract.js";

/** A fresh order id: placing an order under it twice places it once. */
export function newOrderId(): string {
  return `order-${randomUUID()}`;
}

/** `checkout run <id> <status>: price ✓ → … → charge ✗ CARD_DECLINED → …` */
export async function describeRun(app: App, orderId: string): Promise<string> {
  const { status, steps } = await app.client(checkout).getOrder({ orderId });
  const path = steps.map((s) => `${s.name} ${s.ok ? "✓" : `✗ ${s.reason ?? ""}`.trim()}`);
  return `checkout run ${orderId} ${status}: ${path.join(" → ")}`;
}

/** The Weft error `call` failed with, or undefined if it succeeded. */
export async function failureOf(call: Promise<unknown>): Promise<WeftError | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    if (isWeftError(error)) return error;
    throw error;
  }
}
