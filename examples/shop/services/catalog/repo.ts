/** What the catalog needs from its storage; adapters implement it (in memory now, a store later). */
import type { Product } from "./contract.js";

/** Where the catalog's products live. */
export interface CatalogRepo {
  /** Every product, in catalog order. */
  list(): Promise<readonly Product[]>;
  /** The product with this id, if any. */
  get(id: string): Promise<Product | undefined>;
  /** Products whose name, description or a category contains `query`, ignoring case. */
  search(query: string): Promise<readonly Product[]>;
}
