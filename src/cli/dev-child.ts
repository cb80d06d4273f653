/**
 * The app side of `weft dev`: the process that `weft dev` starts (and starts again after each
 * change) runs the whole app here with its admin server and dashboard, and tells `weft dev` over
 * the IPC channel where it listens once it serves. It stops gracefully on SIGTERM, and on its own
 * when `weft dev` goes away (the channel closes), so no app is left holding the ports.
 */
import { existsSync, realpathSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { App, AppDefinition } from "../core/index.js";
import { createApp } from "../create-app.js";
import { GATEWAY_CONFIG } from "../gateway/config.js";
import { GATEWAY, isGateway } from "../gateway/index.js";
import { adminUrl } from "../observe/admin/extension.js";
import { STORE_CONFIG } from "../store/config.js";
import { describeStoreLocation, storeLocation } from "../store/extension.js";
import { loadApp } from "./load-app.js";
import { EXIT } from "./report-error.js";
import { serveUntilSignal } from "./serve.js";

/** What the app process tells `weft dev` once it serves. */
export interface DevReady {
  readonly type: "ready";
  readonly app: string;
  readonly env: string;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** The gateway's base URL and port; null when the app has no gateway. */
  readonly http: { readonly url: string; readonly port: number } | null;
  /** The port the configuration asked the gateway for (0: any free port). */
  readonly configuredHttpPort: number;
  /** The admin server (dashboard at its root); null if it does not listen. */
  readonly admin: { readonly url: string; readonly port: number } | null;
  /** Where the store lives, for people; null when the app keeps no state. */
  readonly data: string | null;
  /** The absolute folder of the SQLite file (not watched); null with no SQLite store. */
  readonly dataDir: string | null;
}

const LOOPBACK_FOR = new Set(["0.0.0.0", "::", ""]);

/** The gateway's address: from the running gateway, else from the config (see below). */
function httpOf(app: App, definition: AppDefinition): DevReady["http"] {
  try {
    const info = app.use(GATEWAY);
    return { url: info.url, port: info.port };
  } catch {
    // The app may import another copy of weft than the command runs (a checkout running an app
    // that imports its build): its gateway then answers under that copy's key. Its address is
    // still the configured one, unless that asks for any free port.
    const hasGateway = definition.services.some(isGateway);
    const { host, port } = app.config.get(GATEWAY_CONFIG).http;
    if (!hasGateway || port === 0) return null;
    const shown = LOOPBACK_FOR.has(host) ? "127.0.0.1" : host.includes(":") ? `[${host}]` : host;
    return { url: `http://${shown}:${port}`, port };
  }
}

/** What `weft dev` is told once the app serves. */
export function readyMessage(app: App, definition: AppDefinition): DevReady {
  const admin = adminUrl(app);
  let data: string | null = null;
  let dataDir: string | null = null;
  if (definition.store) {
    const location = storeLocation(app.config, app.name);
    if (location.dialect === "sqlite") {
      const path = isAbsolute(location.path) ? location.path : resolve(location.path);
      data = describeStoreLocation({ dialect: "sqlite", path });
      dataDir = resolve(app.config.get(STORE_CONFIG).dataDir);
    } else data = describeStoreLocation(location);
  }
  const d = app.describe();
  return {
    type: "ready",
    app: d.name,
    env: d.env,
    groups: d.groups,
    http: httpOf(app, definition),
    configuredHttpPort: app.config.get(GATEWAY_CONFIG).http.port,
    admin: admin === undefined ? null : { url: admin, port: Number(new URL(admin).port) },
    data,
    dataDir,
  };
}

/**
 * The `dev-child.js` of the weft the app imports, when that is another copy than this code (a
 * checkout runs the command from its sources while the app imports its build), else undefined.
 * The app must run on the weft it imports: extension keys (gateway, workflow engine) are values
 * compared by identity, so a second copy would not find the first one's extensions.
 */
export function appWeftChild(entry: string): string | undefined {
  let index: string;
  try {
    index = realpathSync(createRequire(entry).resolve("weft"));
  } catch {
    return undefined; // The app does not import weft by name.
  }
  const here = realpathSync(fileURLToPath(new URL("../", import.meta.url)));
  const there = dirname(index);
  const child = join(there, "cli", "dev-child.js");
  return there !== here && existsSync(child) ? child : undefined;
}

/**
 * Runs the app of `entry` until SIGTERM (or until `weft dev` goes away) and returns the exit
 * code. Calls across groups stay in this process: no remote transport, whatever the config says.
 */
export async function runDevChild(entry: string): Promise<number> {
  const other = appWeftChild(entry);
  if (other !== undefined) {
    const mod = (await import(pathToFileURL(other).href)) as { runDevChild: typeof runDevChild };
    return mod.runDevChild(entry);
  }
  // The channel must not keep this process alive after the app stopped.
  process.channel?.unref();
  process.once("disconnect", () => process.kill(process.pid, "SIGTERM"));
  // `weft dev` may have gone before the listener was in place (killed while this process loaded):
  // the event is gone with it, and this app, in a session of its own, would keep the ports.
  if (process.send !== undefined && !process.connected) process.kill(process.pid, "SIGTERM");
  const definition = await loadApp(entry);
  const app = createApp(definition, { admin: true, transport: () => undefined });
  const report = await serveUntilSignal(app, {
    // `weft dev` says when it restarts or stops; the app's own stop lines would repeat it.
    log: () => {},
    onReady: (running) => {
      const message = readyMessage(running, definition);
      if (process.send !== undefined) process.send(message);
      else process.stdout.write(`${JSON.stringify(message)}\n`);
    },
  });
  if (!report.drained) {
    process.stderr.write(`${app.name}: ${report.abandoned} call(s) were cancelled on stop\n`);
  }
  return report.drained ? EXIT.ok : EXIT.failure;
}
