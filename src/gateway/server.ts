/**
 * The gateway as an app extension: at start it compiles the routes for this app (which services
 * are remote, auth, rate limits, idempotency records in the app's store), once the app serves it
 * listens, while the app drains it answers new requests with 503 and waits for those in flight,
 * and at stop it closes the server.
 */
import FindMyWay from "find-my-way";
import { parseBytes } from "../core/config-values.js";
import {
  type App,
  type AppExtension,
  type ExtensionKey,
  failedPrecondition,
  toMilliseconds,
} from "../core/index.js";
import { MAX_PATH_PARAM_LENGTH } from "../core/path-limits.js";
import { STORE, type Store } from "../store/index.js";
import { createApiKeyVerifier } from "./auth/api-keys.js";
import { createAuthenticator } from "./auth/index.js";
import { createJwtVerifier, resolveJwtSettings } from "./auth/jwt.js";
import { GATEWAY_CONFIG } from "./config.js";
import { Cors } from "./cors.js";
import { GatewayHandler } from "./handler.js";
import { GATEWAY_MIGRATIONS, IdempotencyRecords } from "./idempotency.js";
import { baseUrl, type Listener, listen } from "./listener.js";
import { openApiDocument } from "./openapi.js";
import type { CompiledRoute } from "./operation.js";
import { documentPath } from "./options.js";
import { compileRule, RateLimiter } from "./rate-limit.js";
import type { GatewayDefinition, GatewayInfo } from "./types.js";

/** The port config gives when nothing sets one. */
const DEFAULT_PORT = 3000;

/** A gateway running in one app. */
interface Running {
  readonly app: App;
  readonly handler: GatewayHandler;
  readonly listenOptions: Parameters<typeof listen>[0];
  readonly records: IdempotencyRecords | undefined;
  readonly cleanupMs: number;
  listener?: Listener;
  info?: GatewayInfo;
  timer?: NodeJS.Timeout;
}

const ms = (value: Parameters<typeof toMilliseconds>[0] | undefined, fallback: number) =>
  value === undefined ? fallback : toMilliseconds(value);

/** Opens the idempotency records when a route uses them. */
async function openRecords(
  def: GatewayDefinition,
  app: App,
): Promise<IdempotencyRecords | undefined> {
  const keyed = def.routes.filter((r) => r.options.idempotency !== undefined).map((r) => r.key);
  if (keyed.length === 0) return undefined;
  let store: Store;
  try {
    store = app.use(STORE);
  } catch {
    throw failedPrecondition(
      "GATEWAY_NEEDS_STORE",
      `gateway ${def.name}: routes ${keyed.join(", ")} take Idempotency-Key headers, which are kept in the app's store, but app ${app.name} has none: add \`store: true\` to defineApp (or remove their idempotency option)`,
    );
  }
  await store.migrate(GATEWAY_MIGRATIONS, { scope: "gateway" });
  return new IdempotencyRecords(store, ms(def.options.idempotency?.retention, 86_400_000));
}

/** Compiles the gateway for `app`. Throws FAILED_PRECONDITION naming what is missing. */
async function prepare(def: GatewayDefinition, app: App): Promise<Running> {
  const o = def.options;
  const description = app.describe();
  const known = new Set([...description.localServices, ...description.remoteServices]);
  for (const r of def.routes) {
    if (!known.has(r.contract.name)) {
      throw failedPrecondition(
        "GATEWAY_UNKNOWN_SERVICE",
        `gateway ${def.name}: route ${r.key} calls ${r.contract.name}, which is not a service of app ${app.name}`,
      );
    }
  }
  const jwtSettings = resolveJwtSettings(o.auth?.jwt, app.config.get(GATEWAY_CONFIG).jwt, def.name);
  const jwt = jwtSettings === undefined ? undefined : createJwtVerifier(jwtSettings, def.name);
  const apiKeys = o.auth?.apiKeys?.length ? createApiKeyVerifier(o.auth.apiKeys) : undefined;
  const defaultAuth = o.auth === undefined ? "none" : (o.auth.default ?? "required");
  const callMs = ms(o.timeouts?.call, app.config.callTimeoutMs);
  // Path parameters as long as the admin server takes (find-my-way's default is 100).
  const router = FindMyWay({ maxParamLength: MAX_PATH_PARAM_LENGTH });
  const methods = new Set<FindMyWay.HTTPMethod>();
  const needsAuth: string[] = [];
  const unsigned: string[] = [];
  for (const r of def.routes) {
    const mode = r.options.auth ?? defaultAuth;
    const scopes = r.options.scopes ?? [];
    if (mode !== "none" || scopes.length > 0) needsAuth.push(r.key);
    const remote = !app.placement.local.has(r.contract.name);
    if (remote && mode !== "none" && app.config.principalKey === undefined) unsigned.push(r.key);
    const rule = r.options.rateLimit === false ? undefined : (r.options.rateLimit ?? o.rateLimit);
    const compiled: CompiledRoute = {
      route: r,
      auth: { mode: scopes.length > 0 && mode === "none" ? "required" : mode, scopes },
      rule: rule === undefined ? undefined : compileRule(rule),
      idempotency: r.options.idempotency,
      status: r.options.status ?? 200,
      timeoutMs: ms(r.options.timeout, callMs),
      remote,
    };
    router.on(r.method, r.path, () => {}, compiled);
    methods.add(r.method);
  }
  if (needsAuth.length > 0 && jwt === undefined && apiKeys === undefined) {
    throw failedPrecondition(
      "GATEWAY_NO_AUTH",
      `gateway ${def.name}: routes ${needsAuth.join(", ")} need credentials, but no JWT keys (WEFT_JWKS_URL, WEFT_JWT_PUBLIC_KEY, WEFT_JWT_SECRET or auth.jwt) or API keys (auth.apiKeys) are configured`,
    );
  }
  if (unsigned.length > 0) {
    app.logger.warn(
      { routes: unsigned },
      `gateway ${def.name}: WEFT_PRINCIPAL_KEY is not set, so the caller's principal does not reach services in other processes (they see anonymous calls)`,
    );
  }
  const records = await openRecords(def, app);
  const openapiPath = documentPath(o);
  const headersTimeoutMs = ms(o.timeouts?.headers, 10_000);
  const handler = new GatewayHandler({
    app,
    name: def.name,
    router,
    methods: [...methods],
    authenticator: createAuthenticator(def.name, jwt, apiKeys),
    limiter: new RateLimiter(),
    cors: o.cors === undefined ? undefined : new Cors(o.cors),
    records,
    bodyLimit: parseBytes(o.bodyLimit ?? 1024 * 1024) as number,
    bodyTimeoutMs: ms(o.timeouts?.body, 10_000),
    openapi:
      openapiPath === undefined
        ? undefined
        : {
            path: openapiPath,
            body: JSON.stringify(openApiDocument(def, o.openapi ? o.openapi.info : undefined)),
          },
    trustProxy: o.trustProxy === true,
    metadataHeaders: (o.metadataHeaders ?? []).map((h) => h.toLowerCase()),
    typeBase: o.problemTypeBase,
  });
  // Tests run many apps at once: there the default port means any free port.
  const { http } = app.config.get(GATEWAY_CONFIG);
  const configured = http.port;
  const port =
    o.port ?? (app.config.env === "test" && configured === DEFAULT_PORT ? 0 : configured);
  return {
    app,
    handler,
    records,
    cleanupMs: ms(def.options.idempotency?.cleanupInterval, 600_000),
    listenOptions: {
      host: o.host ?? http.host,
      port,
      maxHeaderSize: o.maxHeaderSize ?? 16 * 1024,
      headersTimeoutMs,
      requestTimeoutMs: Math.max(ms(o.timeouts?.request, 30_000), headersTimeoutMs),
      keepAliveMs: ms(o.timeouts?.keepAlive, 5000),
    },
  };
}

/** The extension that runs gateway `def` in whichever app runs its service. */
export function createGatewayExtension(
  def: GatewayDefinition,
  key: ExtensionKey<GatewayInfo>,
): AppExtension {
  let running: Running | undefined;
  return {
    name: `gateway ${def.name}`,
    configSlices: [GATEWAY_CONFIG],
    async start(app) {
      if (running !== undefined) {
        throw failedPrecondition(
          "GATEWAY_IN_USE",
          `gateway ${def.name} already serves app ${running.app.name} in this process: make one gateway per app (call defineGateway inside the function that builds the app definition)`,
        );
      }
      running = await prepare(def, app);
    },
    async started() {
      const r = running as Running;
      r.listener = await listen(r.listenOptions, r.handler.handle);
      r.info = Object.freeze({
        name: def.name,
        url: baseUrl(r.listener.host, r.listener.port),
        host: r.listener.host,
        port: r.listener.port,
        routes: def.routes.map((route) => route.key),
        openapiPath: documentPath(def.options),
      });
      r.handler.open = true;
      const records = r.records;
      if (records !== undefined) {
        r.timer = setInterval(() => {
          records
            .cleanup()
            .catch((err: unknown) => r.app.logger.warn({ err }, "idempotency cleanup failed"));
        }, r.cleanupMs);
        r.timer.unref();
      }
    },
    async drain(deadline) {
      const r = running;
      if (r === undefined) return;
      r.handler.open = false;
      r.listener?.closeIdle();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        r.handler.idle(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        }),
      ]);
      clearTimeout(timer);
    },
    async stop() {
      const r = running;
      running = undefined;
      if (r === undefined) return;
      r.handler.open = false;
      clearInterval(r.timer);
      await r.listener?.close();
    },
    provide(k) {
      return k === key ? running?.info : undefined;
    },
  };
}
