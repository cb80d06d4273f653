/**
 * Runs the app from your own entry point instead of `weft start` (for a compiled build:
 * `npm run build && npm run serve`). SIGTERM or Ctrl+C drains in-flight work, then exits.
 */
import { createApp } from "weft";
import { serveUntilSignal } from "weft/cli";
import { appDefinition } from "./app.js";

const app = createApp(appDefinition());
const report = await serveUntilSignal(app, {
  onReady: (running) => console.log(`${running.name} is running (Ctrl+C to stop)`),
});
process.exitCode = report.drained ? 0 : 1;
