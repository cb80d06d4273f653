/**
 * The composition root: `createApp` from `weft` is core's `createApp` wired with the defaults a
 * production app wants — retries (only when safe) and a circuit breaker on every outgoing call,
 * and the NATS transport when `WEFT_NATS_URL` is set — so splitting an app is configuration alone.
 * The NATS client is loaded only when it is used.
 *
 * @example
 * ```ts
 * import { createApp } from "weft";
 * const app = createApp(shop); // WEFT_GROUP=orders WEFT_NATS_URL=nats://… splits it
 * ```
 */
import {
  type App,
  type AppDefinition,
  type AppOptions,
  type AppSpec,
  createApp as createCoreApp,
  type Transport,
  type WeftConfig,
} from "./core/index.js";
import { circuitBreaker, retry } from "./resilience/index.js";

/** A transport whose module loads on start, so apps that never split never load a NATS client. */
function lazyNats(config: WeftConfig): Transport {
  let inner: Transport | undefined;
  return {
    name: "nats",
    async serve(host, services) {
      const { createNatsTransport } = await import("./transport/nats/index.js");
      inner = createNatsTransport({ servers: config.natsUrl ?? "", auth: config.nats });
      await inner.serve(host, services);
    },
    call(ctx, input) {
      if (inner === undefined)
        return Promise.reject(new Error("the NATS transport is not started"));
      return inner.call(ctx, input);
    },
    async stopIntake() {
      await inner?.stopIntake();
    },
    async close() {
      await inner?.close();
    },
  };
}

/**
 * Creates an app with Weft's defaults: `retry()` and `circuitBreaker()` on outgoing calls (replace
 * them with `resilience: [...]`, or `[]` for none) and the NATS transport when `natsUrl` is set
 * (unless `transport` is given).
 */
export function createApp(definition: AppDefinition | AppSpec, options: AppOptions = {}): App {
  return createCoreApp(definition, {
    ...options,
    resilience: options.resilience ?? [retry(), circuitBreaker()],
    transport:
      options.transport ??
      ((config: WeftConfig) => (config.natsUrl === undefined ? undefined : lazyNats(config))),
  });
}
