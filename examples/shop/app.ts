/**
 * The shop: an Online-Boutique-like system of seven services. Placement lives here and only here:
 * by default every group runs in one process; `WEFT_GROUP=orders` (with a transport) would run one
 * group alone, with no change to any service.
 *
 * @example
 * ```ts
 * import { createApp } from "weft";
 * import { createShop } from "./app.js";
 * const app = createApp(createShop());
 * await app.start();
 * ```
 */
import { type AppDefinition, type ConfigInput, defineApp } from "weft";
import { createCart } from "./services/cart/impl.js";
import type { CartRepo } from "./services/cart/repo.js";
import { createCatalog } from "./services/catalog/impl.js";
import type { CatalogRepo } from "./services/catalog/repo.js";
import { createCheckout } from "./services/checkout/impl.js";
import { createCurrency } from "./services/currency/impl.js";
import type { CurrencyRepo } from "./services/currency/repo.js";
import { createEmail } from "./services/email/impl.js";
import type { MailRepo } from "./services/email/repo.js";
import { createPayment } from "./services/payment/impl.js";
import type { PaymentRepo } from "./services/payment/repo.js";
import { createShipping } from "./services/shipping/impl.js";
import type { ShipmentRepo } from "./services/shipping/repo.js";

/** The data adapters of the shop's services. */
export interface ShopRepos {
  catalog: CatalogRepo;
  currency: CurrencyRepo;
  cart: CartRepo;
  payment: PaymentRepo;
  shipping: ShipmentRepo;
  email: MailRepo;
}

/** Options of {@link createShop}. */
export interface ShopOptions {
  /** Adapters to use instead of fresh in-memory ones. Default: all in memory. */
  repos?: Partial<ShopRepos>;
  /** The clock payment checks card expiry against. Default: the system clock. */
  now?: () => Date;
  /** The definition's config; `WEFT_*` variables and createApp options override it. */
  config?: ConfigInput;
}

/** The shop's groups: which services may be deployed together. */
export const SHOP_GROUPS = {
  edge: ["checkout"],
  orders: ["cart", "payment", "shipping", "email"],
  catalog: ["catalog", "currency"],
} as const;

/** Defines the shop with fresh state: every call gets its own data. */
export function createShop(options: ShopOptions = {}): AppDefinition {
  const repos = options.repos ?? {};
  return defineApp({
    name: "shop",
    services: [
      createCatalog(repos.catalog),
      createCurrency(repos.currency),
      createCart(repos.cart),
      createPayment(repos.payment, options.now === undefined ? {} : { now: options.now }),
      createShipping(repos.shipping),
      createEmail(repos.email),
      createCheckout(),
    ],
    groups: SHOP_GROUPS,
    config: options.config,
  });
}

/** The shop with in-memory data, for the CLI (`weft dev`). */
export default createShop();
