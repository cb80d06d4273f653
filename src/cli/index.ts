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
export { manifestFiles } from "./k8s/manifests.js";
export type { K8sInput, K8sObject } from "./k8s/names.js";
export { DEFAULT_ENTRIES, findEntry, loadApp } from "./load-app.js";
export { EXIT, main } from "./main.js";
export { type MigrateResult, migrateApp } from "./migrate-app.js";
export { type ScaffoldOptions, type ScaffoldResult, scaffold } from "./new/scaffold.js";
export { parseTraffic, type TrafficSource } from "./placement-input.js";
export { exitCodeOf } from "./report-error.js";
export { type ServeOptions, serveUntilSignal } from "./serve.js";
export { createUi, shouldColor, type Ui, type UiOptions } from "./ui.js";
