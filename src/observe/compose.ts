/**
 * How `createApp` from `weft` decides an app's observability: recorder and metrics when any of
 * `observe`, `admin` or `telemetry` asks for them (none by default, so the call path builds no
 * spans); the admin server when `admin` is true (`weft start` sets it). When the admin port was
 * not chosen (no `adminPort` in config, no `WEFT_ADMIN_PORT`) and 9464 is taken — two processes of
 * one app on a laptop — the server takes a free port and says so; a chosen port that is taken
 * fails the start.
 */
import type { App, AppExtension, CallObserver, ConfigInput, Transport } from "../core/index.js";
import { type AdminServer, adminExtension } from "./admin/extension.js";
import type { HealthCheck } from "./admin/health.js";
import type { WorkflowManager } from "./admin/workflow-routes.js";
import { type ObserveOptions, observeExtension } from "./observability.js";
import type { TelemetryOptions } from "./otel-bridge.js";

/** The observability options of `createApp` from `weft`. */
export interface ObserveAppOptions {
  /**
   * Run the admin server (health, metrics, traces, management) on the admin slice's host and port (`WEFT_ADMIN_HOST`, `WEFT_ADMIN_PORT`).
   * Default false; `weft start` turns it on. Implies `observe`.
   */
  readonly admin?: boolean;
  /** Record spans and metrics (`app.use(OBSERVE)`). Default false, unless `admin` or `telemetry`. */
  readonly observe?: boolean | Omit<ObserveOptions, "telemetry">;
  /** Also emit every span through this OpenTelemetry SDK TracerProvider. Implies `observe`. */
  readonly telemetry?: TelemetryOptions;
}

/** What the composition root knows besides the options. */
export interface ObserveWiring {
  /** Config sources, to tell a chosen admin port from the default. */
  readonly configs: readonly (ConfigInput | undefined)[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Readiness checks (`store`, `nats`). */
  readonly checks: Readonly<Record<string, HealthCheck>>;
  /** The workflow client, when the app has workflows. */
  readonly workflows: ((app: App) => WorkflowManager) | undefined;
}

/** What {@link observeApp} made. */
export interface ObservedApp {
  /** Observability first, then the admin server: put them before the app's other extensions. */
  readonly extensions: readonly AppExtension[];
  /** Give it to the app (`AppOptions.observer`). */
  readonly observer: CallObserver;
  /** The admin server, when on (to add checks once the transport is known). */
  readonly admin: AdminServer | undefined;
}

/**
 * The readiness check of a transport that says whether it is connected (the NATS transport), or
 * undefined for one that does not.
 */
export function transportCheck(transport: Transport): HealthCheck | undefined {
  if (!("connected" in transport)) return undefined;
  return () => {
    if ((transport as { connected: unknown }).connected !== true) {
      throw new Error(`the ${transport.name} transport is not connected`);
    }
    return { connected: true };
  };
}

/** The observability of an app, or undefined when its options ask for none. */
export function observeApp(
  options: ObserveAppOptions,
  wiring: ObserveWiring,
): ObservedApp | undefined {
  const on =
    options.admin === true ||
    options.telemetry !== undefined ||
    (options.observe ?? false) !== false;
  if (!on) return undefined;
  const observe = observeExtension({
    ...(typeof options.observe === "object" ? options.observe : {}),
    ...(options.telemetry === undefined ? {} : { telemetry: options.telemetry }),
  });
  if (options.admin !== true) {
    return { extensions: [observe], observer: observe.observer, admin: undefined };
  }
  const portChosen =
    wiring.configs.some((c) => c?.adminPort !== undefined) ||
    wiring.env.WEFT_ADMIN_PORT !== undefined ||
    wiring.env.WEFT_ADMIN_PORT_FILE !== undefined;
  const admin = adminExtension({
    observe,
    checks: wiring.checks,
    ...(wiring.workflows === undefined ? {} : { workflows: wiring.workflows }),
    fallbackPort: !portChosen,
  });
  return { extensions: [observe, admin], observer: observe.observer, admin };
}
