/**
 * What `npm start` runs: the whole shop in one process, a short demo, then it serves until
 * SIGINT/SIGTERM. The first signal stops the app gracefully (drain, then exit 0); a second one
 * forces exit. Configuration comes from `WEFT_*` variables, as in any deployment. The shop's HTTP
 * API (gateway.ts) listens on `WEFT_HTTP_HOST:WEFT_HTTP_PORT` (0.0.0.0:3000 by default); the
 * banner prints its URL.
 *
 * Data is kept between runs: by default in the SQLite file `.data/shop.sqlite` (relative to the
 * working folder; `.data/` is git-ignored, `WEFT_DATA_DIR` moves it), or in the PostgreSQL schema
 * `shop` when `WEFT_DATABASE_URL` is set. Each start applies the migrations not yet applied and
 * seeds only missing rows; delete the folder (or drop the schema) to start afresh. A checkout
 * interrupted by a crash resumes when the shop starts again, once the dead process's lease on the
 * run has lapsed (15 s by default).
 *
 * @example
 * ```sh
 * npm start                      # or: npx tsx examples/shop/main.ts
 * WEFT_SERIALIZE=true npm start  # every call makes a codec round trip, as over a network
 * WEFT_DATABASE_URL=postgres://user@localhost:5432/db npm start   # data in PostgreSQL
 * ```
 */
import { type App, createApp, isWeftError } from "weft";
import { serveUntilSignal } from "weft/cli";
import { GATEWAY } from "weft/gateway";
import { adminUrl } from "weft/observe";
import { describeStoreLocation, storeLocation } from "weft/store";
import { createShop } from "./app.js";
import { formatHttp, formatStartup } from "./banner.js";
import { runDemo } from "./demo.js";

const print = (line = "") => console.log(line);
const explain = (error: unknown) =>
  isWeftError(error) ? `${error.code} ${error.reason}: ${error.message}` : String(error);

let app: App;
try {
  app = createApp(createShop(), { admin: true }); // health, metrics, traces: docs/observability.md
} catch (error) {
  console.error(`The shop cannot be created: ${explain(error)}`);
  process.exit(2);
}

try {
  const report = await serveUntilSignal(app, {
    log: print,
    onReady: async (running) => {
      for (const line of formatStartup(running.describe())) print(line);
      if (running.placement.local.has("gateway")) {
        for (const line of formatHttp(running.use(GATEWAY))) print(line);
      }
      const admin = adminUrl(running);
      if (admin !== undefined) print(`Admin: ${admin} (/readyz, /metrics, /api/traces)`);
      const where = describeStoreLocation(storeLocation(running.config, running.name));
      print(`Data: ${where}, kept between runs (the checkout journal too).`);
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
