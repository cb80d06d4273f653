/**
 * What `npm start` runs: the whole shop in one process, a short demo, then it serves until
 * SIGINT/SIGTERM. The first signal stops the app gracefully (drain, then exit 0); a second one
 * forces exit. Configuration comes from `WEFT_*` variables, as in any deployment.
 *
 * @example
 * ```sh
 * npm start                      # or: npx tsx examples/shop/main.ts
 * WEFT_SERIALIZE=true npm start  # every call makes a codec round trip, as over a network
 * ```
 */
import { type App, createApp, isWeftError } from "weft";
import { serveUntilSignal } from "weft/cli";
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
  process.exit(2);
}

try {
  const report = await serveUntilSignal(app, {
    log: print,
    onReady: async (running) => {
      for (const line of formatStartup(running.describe())) print(line);
      print();
      await runDemo(running, print);
      print();
      print(`The shop is running (pid ${process.pid}). Press Ctrl+C to stop.`);
    },
  });
  print(report.drained ? "Stopped." : `Stopped; ${report.abandoned} call(s) were cut short.`);
} catch (error) {
  console.error(`The shop could not start or run its demo: ${explain(error)}`);
  process.exit(1);
}
