/** The catalog in memory, seeded with Online Boutique's products. */
import type { Product } from "./contract.js";
import { PRODUCTS } from "./products.js";
import type { CatalogRepo } from "./repo.js";

/** A catalog held in memory; `products` defaults to the Online Boutique ones. */
export function createMemoryCatalogRepo(products: readonly Product[] = PRODUCTS): CatalogRepo {
  const byId = new Map(products.map((p) => [p.id, p]));
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
  } satisfies CatalogRepo;
}
