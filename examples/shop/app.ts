/**
 * The shop: an Online-Boutique-like system of eight services and the checkout workflow. Placement
 * lives here and only here: by default every group runs in one process; `WEFT_GROUP=orders` (with
 * a transport) would run one group alone, with no change to any service. The HTTP API is the
 * `gateway` service (gateway.ts) in group `edge`: its listener runs in the process running `edge`.
 *
 * Data lives in the app's store: a SQLite file `<dataDir>/<app>.sqlite` (`.data/shop.sqlite` by
 * default), or the PostgreSQL schema named after the app when `WEFT_DATABASE_URL` is set. Each
 * service keeps its own tables (prefixed with its name, migrated in its own scope at start); the
 * workflow engine keeps its journal there too.
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
import { createShopGateway } from "./gateway.js";
import { createCart } from "./services/cart/impl.js";
import type { CartRepo } from "./services/cart/repo.js";
import { cartSchema } from "./services/cart/schema.js";
import { createCatalog } from "./services/catalog/impl.js";
import type { CatalogRepo } from "./services/catalog/repo.js";
import { catalogSchema } from "./services/catalog/schema.js";
import { createCheckout } from "./services/checkout/impl.js";
import { createCurrency } from "./services/currency/impl.js";
import type { CurrencyRepo } from "./services/currency/repo.js";
import { currencySchema } from "./services/currency/schema.js";
import { createEmail } from "./services/email/impl.js";
import type { MailRepo } from "./services/email/repo.js";
import { emailSchema } from "./services/email/schema.js";
import { createLoyalty } from "./services/loyalty/impl.js";
import type { LoyaltyRepo } from "./services/loyalty/repo.js";
import { loyaltySchema } from "./services/loyalty/schema.js";
import { createPayment } from "./services/payment/impl.js";
import type { PaymentRepo } from "./services/payment/repo.js";
import { paymentSchema } from "./services/payment/schema.js";
import { createShipping } from "./services/shipping/impl.js";
import type { ShipmentRepo } from "./services/shipping/repo.js";
import { shippingSchema } from "./services/shipping/schema.js";
import type { ServiceSchema } from "./shared/service-schema.js";
import { inMemory } from "./shared/unit-of-work.js";
import { setUpTables } from "./store-setup.js";
import { checkoutWorkflow } from "./workflows/checkout.js";

/** The data adapters of the shop's services. */
export interface ShopRepos {
  catalog: CatalogRepo;
  currency: CurrencyRepo;
  cart: CartRepo;
  payment: PaymentRepo;
  shipping: ShipmentRepo;
  email: MailRepo;
  loyalty: LoyaltyRepo;
}

/** Options of {@link createShop}. */
export interface ShopOptions {
  /** Repos to use instead of the services' tables in the store (in-memory fakes in tests). */
  repos?: Partial<ShopRepos>;
  /** The clock payment checks card expiry against. Default: the system clock. */
  now?: () => Date;
  /** The definition's config; `WEFT_*` variables and createApp options override it. */
  config?: ConfigInput;
}

/** The shop's groups: which services may be deployed together. */
export const SHOP_GROUPS = {
  edge: ["gateway", "checkout"],
  orders: ["cart", "payment", "shipping", "email", "loyalty"],
  catalog: ["catalog", "currency"],
} as const;

/** The tables of the services that have some (checkout's data is the workflow journal). */
export const SHOP_SCHEMAS: readonly ServiceSchema[] = [
  catalogSchema,
  currencySchema,
  cartSchema,
  paymentSchema,
  shippingSchema,
  emailSchema,
  loyaltySchema,
];

/** Defines the shop. Its data is the store's, so each app (each test) needs its own store. */
export function createShop(options: ShopOptions = {}): AppDefinition {
  const repos = options.repos ?? {};
  const payment = options.now === undefined ? {} : { now: options.now };
  return defineApp({
    name: "shop",
    services: [
      repos.catalog === undefined ? createCatalog() : createCatalog(inMemory(repos.catalog)),
      repos.currency === undefined ? createCurrency() : createCurrency(inMemory(repos.currency)),
      repos.cart === undefined ? createCart() : createCart(inMemory(repos.cart)),
      repos.payment === undefined
        ? createPayment(undefined, payment)
        : createPayment(inMemory(repos.payment), payment),
      repos.shipping === undefined ? createShipping() : createShipping(inMemory(repos.shipping)),
      repos.email === undefined ? createEmail() : createEmail(inMemory(repos.email)),
      repos.loyalty === undefined ? createLoyalty() : createLoyalty(inMemory(repos.loyalty)),
      createCheckout(),
      createShopGateway(),
    ],
    workflows: [checkoutWorkflow],
    groups: SHOP_GROUPS,
    hooks: { beforeStart: (app) => setUpTables(app, SHOP_SCHEMAS) },
    config: options.config,
  });
}

/** The shop on the store of the configuration (`weft start`, `weft dev`). */
export default createShop();
