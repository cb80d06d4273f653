/** The catalog in memory, seeded with Online Boutique's products and {@link INITIAL_STOCK} of each. */
import type { Product, Reservation } from "./contract.js";
import { outOfStock, productNotFound } from "./errors.js";
import { PRODUCTS } from "./products.js";
import { type CatalogRepo, mergeLines } from "./repo.js";
import { INITIAL_STOCK } from "./stock.js";

/** A catalog held in memory; `products` defaults to the Online Boutique ones. */
export function createMemoryCatalogRepo(
  products: readonly Product[] = PRODUCTS,
  stock = INITIAL_STOCK,
): CatalogRepo {
  const byId = new Map(products.map((p) => [p.id, p]));
  const available = new Map(products.map((p) => [p.id, stock]));
  const reservations = new Map<string, Reservation>();
  return {
    async list() {
      return [...byId.values()];
    },
    async get(id) {
      return byId.get(id);
    },
    async search(query) {
      const q = query.toLowerCase();
      return [...byId.values()].filter((p) =>
        [p.name, p.description, ...p.categories].some((text) => text.toLowerCase().includes(q)),
      );
    },
    async available(productId) {
      return available.get(productId);
    },
    async reserve(orderId, items) {
      const existing = reservations.get(orderId);
      if (existing !== undefined) return existing;
      const lines = mergeLines(items);
      // Check every line before taking any: all or nothing.
      for (const { productId, quantity } of lines) {
        const left = available.get(productId);
        if (left === undefined) throw productNotFound(productId);
        if (left < quantity) throw outOfStock(productId, quantity, left);
      }
      for (const { productId, quantity } of lines) {
        available.set(productId, (available.get(productId) ?? 0) - quantity);
      }
      const reservation: Reservation = { orderId, items: lines, status: "reserved" };
      reservations.set(orderId, reservation);
      return reservation;
    },
    async release(orderId) {
      const reservation = reservations.get(orderId);
      if (reservation === undefined || reservation.status === "released") return reservation;
      for (const { productId, quantity } of reservation.items) {
        available.set(productId, (available.get(productId) ?? 0) + quantity);
      }
      const released: Reservation = { ...reservation, status: "released" };
      reservations.set(orderId, released);
      return released;
    },
  } satisfies CatalogRepo;
}
