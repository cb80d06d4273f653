/**
 * The shop's HTTP API: a gateway named `gateway` (group `edge`) whose routes call the services
 * through the app's clients — in the same process, or over NATS when the shop is split. Placing
 * an order needs an `Idempotency-Key`, so a client that lost the answer can retry without placing
 * the order twice.
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
 *   GET    /loyalty/:userId          loyalty.getAccount
 *   GET    /openapi.json             the OpenAPI document
 *
 * @example
 * ```sh
 * curl -s localhost:3000/products/6E92ZMYYFZ
 * curl -s -X POST localhost:3000/carts/ada/items -H 'content-type: application/json' \
 *   -d '{"productId":"6E92ZMYYFZ","quantity":2}'
 * ```
 */
import { defineGateway, type Gateway, route } from "weft/gateway";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout } from "./services/checkout/contract.js";
import { currency } from "./services/currency/contract.js";
import { loyalty } from "./services/loyalty/contract.js";

/** The shop's gateway; a fresh one per app definition (each app runs its own listener). */
export function createShopGateway(): Gateway {
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
      route("GET /loyalty/:userId", loyalty, "getAccount"),
    ],
    openapi: { info: { title: "Weft shop", version: "1.0.0" } },
  });
}
