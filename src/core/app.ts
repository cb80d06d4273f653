/**
 * Apps: the services of a system, their placement in groups, and a lifecycle that the app owns:
 * created → starting → running → draining → stopped | failed. Two apps in one process share
 * nothing. Only the CLI installs signal handlers.
 *
 * @example
 * ```ts
 * const shop = defineApp({
 *   name: "shop",
 *   services: [catalogImpl, cartImpl, checkoutImpl],
 *   groups: { edge: ["checkout"], store: ["catalog", "cart"] },
 * });
 * const app = createApp(shop);            // every group in this process
 * await app.start();
 * const p = await app.client(catalog).get({ id: "p1" });
 * await app.stop();                        // drains in-flight calls first
 * ```
 */

import { type AppDefinition, type AppSpec, defineApp } from "./app-definition.js";
import { createLifecycle } from "./app-lifecycle.js";
import type { App, AppExtension, AppOptions } from "./app-types.js";
import { jsonCodec } from "./codec.js";
import { ConfigError, resolveConfig } from "./config.js";
import { createLocalTransport } from "./local-transport.js";
import { createLogger } from "./logger.js";
import { resolvePlacement } from "./placement.js";
import { Runtime } from "./runtime.js";

export {
  type AppDefinition,
  type AppSpec,
  defineApp,
  type WorkflowLike,
} from "./app-definition.js";
export type {
  App,
  AppDescription,
  AppExtension,
  AppHooks,
  AppOptions,
  AppState,
  RootCallOptions,
  StopOptions,
  StopReport,
} from "./app-types.js";

/** Creates an app from a definition (or a spec) and deployment options. */
export function createApp(definition: AppDefinition | AppSpec, options: AppOptions = {}): App {
  const def =
    (definition as AppDefinition).kind === "weft.app"
      ? (definition as AppDefinition)
      : defineApp(definition);
  const group =
    options.group === undefined
      ? undefined
      : typeof options.group === "string"
        ? [options.group]
        : options.group;
  const config = resolveConfig({
    definition: def.config,
    env: options.env ?? process.env,
    overrides: group === undefined ? options.config : { ...options.config, groups: group },
    slices: [...(options.extensions ?? []), ...def.services.flatMap((s) => s.extensions)].flatMap(
      (e) => e.configSlices ?? [],
    ),
  });
  const name = config.app ?? def.name;
  const serviceNames = def.services.map((s) => s.contract.name);
  const placement = resolvePlacement(
    serviceNames,
    def.groups,
    options.clientOnly ? "none" : config.groups,
  );
  const remote = serviceNames.filter((s) => !placement.local.has(s));
  const remoteTransport =
    typeof options.transport === "function" ? options.transport(config) : options.transport;
  if (remote.length > 0 && remoteTransport === undefined) {
    throw new ConfigError([
      {
        path: ["transport"],
        message: `this process runs ${placement.running.join(", ")} but ${remote.join(", ")} run elsewhere: set WEFT_NATS_URL (or pass a transport)`,
      },
    ]);
  }
  const logger = options.logger ?? createLogger({ level: config.logLevel, app: name });
  // The app's extensions, then those of the services that run here (a gateway's listener).
  const extensions: readonly AppExtension[] = [
    ...(options.extensions ?? []),
    ...def.services
      .filter((s) => placement.local.has(s.contract.name))
      .flatMap((s) => s.extensions),
  ];
  const localTransport = createLocalTransport({ serialize: config.serialize });
  const runtime = new Runtime({
    app: name,
    logger,
    codec: options.codec ?? jsonCodec,
    maxPayload: config.maxPayload,
    principalKey: config.principalKey,
    callTimeoutMs: config.callTimeoutMs,
    maxCallTimeoutMs: config.maxCallTimeoutMs,
    validateOutput: config.validateOutput,
    local: def.services.filter((s) => placement.local.has(s.contract.name)),
    localTransport,
    directLocal: !config.serialize,
    remoteTransport,
    serverMiddleware: def.middleware.server,
    clientMiddleware: def.middleware.client,
    remoteMiddleware: options.resilience ?? [],
    observer: options.observer,
    provided: (key) => {
      for (const extension of extensions) {
        const value = extension.provide?.(key);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  });
  const lifecycle = createLifecycle({
    name,
    config,
    logger,
    def,
    placement,
    extensions,
    runtime,
    localTransport,
    remoteTransport,
  });

  const app: App = {
    name,
    config,
    logger,
    placement,
    get state() {
      return lifecycle.state;
    },
    get ready() {
      return lifecycle.state === "running";
    },
    start() {
      return lifecycle.start(app);
    },
    stop(stopOptions = {}) {
      return lifecycle.stop(app, stopOptions);
    },
    client(contract, callOptions = {}) {
      return runtime.rootClient(contract, {
        metadata: callOptions.metadata ?? {},
        principal: callOptions.principal,
        traceparent: callOptions.traceparent,
        admitted: callOptions.admitted === true,
      });
    },
    use(key) {
      return runtime.use(key);
    },
    perform(service, operation, fn, performOptions) {
      return runtime.perform(service, operation, fn, performOptions);
    },
    describe() {
      return {
        name,
        state: lifecycle.state,
        env: config.env,
        groups: def.groups ?? { main: serviceNames },
        running: placement.running,
        localServices: [...placement.local],
        remoteServices: remote,
        transport: remoteTransport?.name ?? localTransport.name,
      };
    },
    onStateChange(listener) {
      return lifecycle.onStateChange(listener);
    },
  };
  return app;
}
