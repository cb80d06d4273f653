/** The catalog's errors, shared by its handlers and repos (a repo throws to roll back its work). */
import { failedPrecondition, notFound } from "weft";

/** NOT_FOUND (PRODUCT_NOT_FOUND) naming the product. */
export function productNotFound(id: string) {
  return notFound("PRODUCT_NOT_FOUND", `no product with id "${id}"`, {
    metadata: { productId: id },
  });
}

/** FAILED_PRECONDITION (OUT_OF_STOCK): fewer units left than an order asks for. */
export function outOfStock(productId: string, requested: number, available: number) {
  return failedPrecondition(
    "OUT_OF_STOCK",
    `only ${available} of product ${productId} left, ${requested} asked for`,
    {
      metadata: { productId, requested: String(requested), available: String(available) },
    },
  );
}

/** NOT_FOUND (RESERVATION_NOT_FOUND) naming the order. */
export function reservationNotFound(orderId: string) {
  return notFound("RESERVATION_NOT_FOUND", `no stock reservation for order ${orderId}`, {
    metadata: { orderId },
  });
}
