/** The catalog service: reads products from its repo. */
import { notFound } from "weft";
import { catalog } from "./contract.js";
import { createMemoryCatalogRepo } from "./memory-repo.js";
import type { CatalogRepo } from "./repo.js";

/** Implements the catalog over `repo` (default: the Online Boutique products, in memory). */
export function createCatalog(repo: CatalogRepo = createMemoryCatalogRepo()) {
  return catalog.implement({
    async listProducts() {
      return { products: [...(await repo.list())] };
    },
    async getProduct(_ctx, { id }) {
      const product = await repo.get(id);
      if (product === undefined) {
        throw notFound("PRODUCT_NOT_FOUND", `no product with id "${id}"`, {
          metadata: { productId: id },
        });
      }
      return product;
    },
    async searchProducts(_ctx, { query }) {
      return { results: [...(await repo.search(query))] };
    },
  });
}
