/**
 * What `npm start` runs: the whole shop in one process, a short demo, then it serves until
 * SIGINT/SIGTERM. The first signal stops the app gracefully (drain, then exit 0); a second one
 * forces exit 1. Configuration comes from `WEFT_*` variables, as in any deployment.
 *
 * @example
 * ```sh
 * npm start                      # or: npx tsx examples/shop/main.ts
 * WEFT_SERIALIZE=true npm start  # every call makes a codec round trip, as over a network
 * ```
 */
import { type App, createApp, isWeftError } from "weft";
import { createShop } from "./app.js";
import { formatStartup } from "./banner.js";
import { runDemo } from "./demo.js";

const print = (line = "") => console.log(line);
const explain = (error: unknown) =>
  isWeftError(error) ? `${error.code} ${error.reason}: ${error.message}` : String(error);

let app: App;
try {
  app = createApp(createShop());
} catch (error) {
  console.error(`The shop cannot be created: ${explain(error)}`);
  process.exit(1);
}
let stopping = false;
const keepAlive = setInterval(() => {}, 2 ** 31 - 1);

function onSignal(signal: NodeJS.Signals): void {
  if (stopping) {
    console.error(`${signal} again: exiting without waiting.`);
    process.exit(1);
  }
  stopping = true;
  print(`${signal} received: stopping the shop (send it again to force exit)...`);
  app.stop().then(
    (report) => {
      clearInterval(keepAlive);
      print(report.drained ? "Stopped." : `Stopped; ${report.abandoned} call(s) were cut short.`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(`Stopping failed: ${explain(error)}`);
      process.exit(1);
    },
  );
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

try {
  await app.start();
  for (const line of formatStartup(app.describe())) print(line);
  print();
  await runDemo(app, print);
  print();
  print(`The shop is running (pid ${process.pid}). Press Ctrl+C to stop.`);
} catch (error) {
  if (!stopping) {
    console.error(`The shop could not start or run its demo: ${explain(error)}`);
    clearInterval(keepAlive);
    await app.stop();
    process.exit(1);
  }
}
