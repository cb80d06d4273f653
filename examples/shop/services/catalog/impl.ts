/** The catalog service: products and their stock, from its repo (by default on the app's store). */
import { inStore, type UnitOfWork } from "../../shared/unit-of-work.js";
import { catalog } from "./contract.js";
import { productNotFound, reservationNotFound } from "./errors.js";
import type { CatalogRepo } from "./repo.js";
import { createSqlCatalogRepo } from "./sql-repo.js";

/** Implements the catalog over `work` (default: SQL tables on the app's store). */
export function createCatalog(work: UnitOfWork<CatalogRepo> = inStore(createSqlCatalogRepo)) {
  return catalog.implement({
    async listProducts(ctx) {
      return { products: [...(await work(ctx, (repo) => repo.list()))] };
    },
    async getProduct(ctx, { id }) {
      const product = await work(ctx, (repo) => repo.get(id));
      if (product === undefined) throw productNotFound(id);
      return product;
    },
    async searchProducts(ctx, { query }) {
      return { results: [...(await work(ctx, (repo) => repo.search(query)))] };
    },
    async getStock(ctx, { productId }) {
      const available = await work(ctx, (repo) => repo.available(productId));
      if (available === undefined) throw productNotFound(productId);
      return { productId, available };
    },
    async reserveStock(ctx, { orderId, items }) {
      return work(ctx, (repo) => repo.reserve(orderId, items));
    },
    async releaseStock(ctx, { orderId }) {
      const reservation = await work(ctx, (repo) => repo.release(orderId));
      if (reservation === undefined) throw reservationNotFound(orderId);
      return reservation;
    },
  });
}
