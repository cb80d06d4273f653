/**
 * The HTTP gateway (`weft/gateway`): routes from HTTP to contract methods, problem+json errors,
 * JWT and API-key auth with scopes, body and time limits, rate limits with `RateLimit` headers,
 * CORS, `Idempotency-Key` support in the app's store, and an OpenAPI 3.1 document. The gateway is
 * a service group like any other: it runs in the process that runs its group and calls the other
 * services through the app's clients, in-process or over NATS. See docs/gateway.md.
 *
 * @example
 * ```ts
 * import { createApp, defineApp } from "weft";
 * import { defineGateway, GATEWAY, route } from "weft/gateway";
 *
 * const api = defineGateway("api", {
 *   routes: [
 *     route("GET /products/:id", catalog, "getProduct"),
 *     route("POST /orders", orders, "place", { status: 201, idempotency: "required" }),
 *   ],
 * });
 * const app = createApp(defineApp({
 *   name: "shop",
 *   services: [catalogImpl, ordersImpl, api],
 *   groups: { edge: ["api"], core: ["catalog", "orders"] },
 *   store: true,
 * }));
 * await app.start();
 * console.log(app.use(GATEWAY).url); // http://127.0.0.1:3000
 * ```
 */

export { GATEWAY_CONFIG, type GatewayConfig, type JwtConfig } from "./config.js";
export {
  defineGateway,
  GATEWAY,
  type Gateway,
  type GatewayDefinition,
  isGateway,
} from "./define.js";
export { GATEWAY_MIGRATIONS } from "./idempotency.js";
export { openApiDocument, openApiPath } from "./openapi.js";
export { jsonPointer, STATUS_BY_CODE, statusOf } from "./problem.js";
export { isRoute, type Route, route } from "./route.js";
export type {
  ApiKeyEntry,
  AuthMode,
  CorsOptions,
  GatewayAuthOptions,
  GatewayInfo,
  GatewayOptions,
  GatewayTimeouts,
  HttpMethod,
  IdempotencyMode,
  IdempotencyOptions,
  JwtOptions,
  OpenApiInfo,
  RateLimitRule,
  RouteOptions,
} from "./types.js";
