/**
 * The CLI as a library: run the `weft` command in process, or serve an app until a signal from
 * your own entry script.
 *
 * @example
 * ```ts
 * import { serveUntilSignal } from "weft/cli";
 * const app = createApp(shop);
 * await serveUntilSignal(app); // SIGTERM/SIGINT: drain and stop; a second signal forces exit
 * ```
 */
export { formatBanner } from "./banner.js";
export { DEFAULT_ENTRIES, findEntry, loadApp } from "./load-app.js";
export { EXIT, main } from "./main.js";
export { type ServeOptions, serveUntilSignal } from "./serve.js";
