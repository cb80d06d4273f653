/**
 * Weft: TypeScript services that start as one process and split into many by configuration.
 * This entry exports the core and `createApp` with production defaults; drivers and tools live in
 * subpaths (`weft/resilience`, `weft/transport/nats`, `weft/store/*`, `weft/testing`, `weft/cli`).
 *
 * @example
 * ```ts
 * import { createApp, defineApp, defineService, method } from "weft";
 * ```
 */
export * from "./core/index.js";
export { createApp, type WeftAppOptions } from "./create-app.js";
export * from "./events/index.js";
