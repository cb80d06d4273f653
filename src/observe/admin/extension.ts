/**
 * The admin server as an app extension: it listens (on the admin config slice: 127.0.0.1:9464 by default)
 * as soon as the app starts, so `/livez` answers during start and `/readyz` says "not ready" until
 * the app serves; it keeps answering while the app drains (`/readyz` then 503) and closes last.
 * Other modules add routes and readiness checks through `app.use(ADMIN)`.
 *
 * @example
 * ```ts
 * const admin = app.use(ADMIN);
 * console.log(admin.url); // http://127.0.0.1:9464
 * admin.route("GET", "/api/orders/stats", async () => ({ json: await stats() }));
 * admin.check("payments-api", async () => { await ping(); });
 * ```
 */
import {
  type App,
  type AppExtension,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
} from "../../core/index.js";
import type { Observability } from "../observability.js";
import { ADMIN_CONFIG } from "./config.js";
import type { HealthCheck } from "./health.js";
import {
  type AdminHandler,
  type AdminMethod,
  type AdminRouteOptions,
  AdminRouter,
} from "./router.js";
import { addBuiltInRoutes } from "./routes.js";
import { type AdminListener, listenAdmin } from "./server.js";
import { addWorkflowRoutes, type WorkflowManager } from "./workflow-routes.js";

/** What `app.use(ADMIN)` gives. */
export interface AdminServer {
  /** Where the server listens (`http://127.0.0.1:9464`), once the app started; before, undefined. */
  readonly url: string | undefined;
  /**
   * Adds a route (for the dashboard, management APIs). Routes need the admin token when one is
   * set, unless `public`. ALREADY_EXISTS when the method and path are taken.
   */
  route(
    method: AdminMethod,
    path: string,
    handler: AdminHandler,
    options?: AdminRouteOptions,
  ): void;
  /** Adds a readiness check shown (and required) by `/readyz`. */
  check(name: string, check: HealthCheck): void;
}

/** The key under which an app provides its admin server. */
export const ADMIN: ExtensionKey<AdminServer> = extensionKey<AdminServer>(
  "admin server (createApp from weft with `admin: true`; `weft start` turns it on)",
);

/** Options of {@link adminExtension}. */
export interface AdminExtensionOptions {
  /** The app's observability (recorder, metrics). */
  readonly observe: Observability;
  /** Readiness checks besides the app's own state, by name (`store`, `nats`). */
  readonly checks?: Readonly<Record<string, HealthCheck>>;
  /** The app's workflow client, for the workflow routes; undefined when it has no workflows. */
  readonly workflows?: (app: App) => WorkflowManager;
  /** When the configured port is taken, listen on a free one (and warn). Default false. */
  readonly fallbackPort?: boolean;
}

/** Makes the admin server extension of one app. */
export function adminExtension(options: AdminExtensionOptions): AppExtension & AdminServer {
  const router = new AdminRouter();
  const checks = new Map(Object.entries(options.checks ?? {}));
  let listener: AdminListener | undefined;
  let routed = false;
  const extension: AppExtension & AdminServer = {
    name: "admin",
    configSlices: [ADMIN_CONFIG],
    get url() {
      return listener?.url;
    },
    route(method, path, handler, routeOptions) {
      router.add(method, path, handler, routeOptions);
    },
    check(name, check) {
      if (name === "app" || checks.has(name)) {
        throw failedPrecondition("CHECK_EXISTS", `a readiness check named ${name} exists`);
      }
      checks.set(name, check);
    },
    async start(app) {
      if (!routed) {
        routed = true;
        addBuiltInRoutes(router, {
          app,
          observe: options.observe,
          checks,
          url: () => listener?.url,
        });
        const manager = options.workflows;
        if (manager !== undefined) addWorkflowRoutes(router, () => manager(app));
      }
      const { host, port, token } = app.config.get(ADMIN_CONFIG);
      listener = await listenAdmin({
        host,
        port,
        token,
        router,
        logger: app.logger,
        fallbackPort: options.fallbackPort === true,
      });
      app.logger.debug(
        { url: listener.url },
        `admin server of ${app.name} listening on ${listener.url}`,
      );
    },
    async stop() {
      const open = listener;
      listener = undefined;
      await open?.close();
    },
    provide: (key) => (key === ADMIN ? extension : undefined),
  };
  return extension;
}

/** The admin server's URL of an app, or undefined when it runs none (or has not started it). */
export function adminUrl(app: { use<T>(key: ExtensionKey<T>): T }): string | undefined {
  try {
    return app.use(ADMIN).url;
  } catch {
    return undefined;
  }
}
