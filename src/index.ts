/**
 * Weft: TypeScript services that start as one process and split into many by configuration.
 * This entry exports the core; drivers and tools live in subpaths (`weft/testing`, `weft/cli`).
 *
 * @example
 * ```ts
 * import { createApp, defineApp, defineService, method } from "weft";
 * ```
 */
export * from "./core/index.js";
