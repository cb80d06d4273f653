/**
 * The shop's HTTP API: a gateway named `gateway` (group `edge`) whose routes call the services
 * through the app's clients — in the same process, or over NATS when the shop is split. Placing
 * an order needs an `Idempotency-Key`, so a client that lost the answer can retry without placing
 * the order twice. Reading a loyalty account is for the shop's staff: it needs a bearer JWT with
 * the scope `loyalty:read` (401 without one, 403 without the scope); every other route is open.
 *
 *   GET    /products                 catalog.listProducts
 *   GET    /products/search?query=   catalog.searchProducts
 *   GET    /products/:id             catalog.getProduct
 *   GET    /currencies               currency.getSupportedCurrencies
 *   GET    /carts/:userId            cart.getCart
 *   POST   /carts/:userId/items      cart.addItem         { productId, quantity }
 *   DELETE /carts/:userId            cart.emptyCart       (204)
 *   POST   /checkout                 checkout.placeOrder  (201; Idempotency-Key required)
 *   GET    /orders/:orderId          checkout.getOrder
 *   GET    /loyalty/:userId          loyalty.getAccount   (JWT with scope loyalty:read)
 *   GET    /openapi.json             the OpenAPI document
 *
 * Tokens are checked as `docs/gateway.md` says: `WEFT_JWT_ISSUER`, `WEFT_JWT_AUDIENCE` and a key
 * (`WEFT_JWKS_URL`, `WEFT_JWT_PUBLIC_KEY` or `WEFT_JWT_SECRET`). Outside production the shop also
 * accepts HS256 tokens signed with {@link DEV_JWT_SECRET} for issuer {@link DEV_JWT_ISSUER} and
 * audience {@link SHOP_JWT_AUDIENCE} (variables set in the environment win over these), so
 * `npm start` works with no setup: `dev-token.ts` makes such a token. In production
 * (`NODE_ENV=production` or `WEFT_ENV=production`) none of these defaults apply: the shop fails to
 * start until the variables are set.
 *
 * @example
 * ```sh
 * curl -s localhost:3000/products/6E92ZMYYFZ
 * curl -s -X POST localhost:3000/carts/ada/items -H 'content-type: application/json' \
 *   -d '{"productId":"6E92ZMYYFZ","quantity":2}'
 * curl -s localhost:3000/loyalty/ada \
 *   -H "authorization: Bearer $(npx tsx examples/shop/dev-token.ts staff-1 loyalty:read)"
 * ```
 */
import { defineGateway, type Gateway, type JwtOptions, route } from "weft/gateway";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout } from "./services/checkout/contract.js";
import { currency } from "./services/currency/contract.js";
import { loyalty } from "./services/loyalty/contract.js";

/** The scope `GET /loyalty/:userId` needs. */
export const LOYALTY_READ = "loyalty:read";

/** The issuer of development tokens (outside production, when `WEFT_JWT_ISSUER` is not set). */
export const DEV_JWT_ISSUER = "weft-shop-dev";

/** The audience of the shop's tokens outside production, when `WEFT_JWT_AUDIENCE` is not set. */
export const SHOP_JWT_AUDIENCE = "weft-shop";

/**
 * The HS256 secret of development tokens. It is public (it is in this file), so it is never used
 * in production; a secret of your own goes in `WEFT_JWT_SECRET`, which replaces it.
 */
export const DEV_JWT_SECRET = "weft-shop-development-only-secret-not-for-production";

/** True when the environment says production (`NODE_ENV` or `WEFT_ENV`). */
function isProduction(env: Readonly<Record<string, string | undefined>>): boolean {
  return env.NODE_ENV === "production" || env.WEFT_ENV === "production";
}

/**
 * The shop's gateway; a fresh one per app definition (each app runs its own listener). `env`
 * (default `process.env`) decides whether the development JWT settings apply: they do unless it
 * says production.
 */
export function createShopGateway(
  env: Readonly<Record<string, string | undefined>> = process.env,
): Gateway {
  const jwt: JwtOptions = isProduction(env)
    ? {}
    : { issuer: DEV_JWT_ISSUER, audience: SHOP_JWT_AUDIENCE, secret: DEV_JWT_SECRET };
  return defineGateway("gateway", {
    routes: [
      route("GET /products", catalog, "listProducts"),
      route("GET /products/search", catalog, "searchProducts"),
      route("GET /products/:id", catalog, "getProduct"),
      route("GET /currencies", currency, "getSupportedCurrencies"),
      route("GET /carts/:userId", cart, "getCart"),
      route("POST /carts/:userId/items", cart, "addItem"),
      route("DELETE /carts/:userId", cart, "emptyCart", { status: 204 }),
      route("POST /checkout", checkout, "placeOrder", {
        status: 201,
        idempotency: "required",
        rateLimit: { limit: 30, window: "1m", name: "checkout" },
      }),
      route("GET /orders/:orderId", checkout, "getOrder"),
      route("GET /loyalty/:userId", loyalty, "getAccount", { scopes: [LOYALTY_READ] }),
    ],
    // Routes are open unless they say otherwise; a route with scopes always needs a token.
    auth: { default: "none", jwt },
    openapi: { info: { title: "Weft shop", version: "1.0.0" } },
  });
}
