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
import { type Codec, jsonCodec } from "./codec.js";
import { ConfigError, type ConfigInput, resolveConfig, type WeftConfig } from "./config.js";
import type { ConfigSlice } from "./config-slice.js";
import type { CallContext, ExtensionKey, Principal, TopicLike, Transactor } from "./context.js";
import type { AnyContract, Client, ServiceImplementation } from "./contract.js";
import { type Duration, toMilliseconds } from "./duration.js";
import { cancelled, type FieldIssue, failedPrecondition } from "./errors.js";
import type { Middleware } from "./handler.js";
import { createLocalTransport } from "./local-transport.js";
import { createLogger, type Logger } from "./logger.js";
import type { CallObserver } from "./observer.js";
import { type Placement, resolvePlacement } from "./placement.js";
import { type PerformOptions, Runtime } from "./runtime.js";
import type { Transport } from "./transport.js";

/**
 * Called at lifecycle points; a throwing `beforeStart`/`afterStart` fails the start.
 * `beforeStart` runs once extensions (the store) are open and before the app serves: migrate and
 * seed there (`app.use(STORE)` from `weft/store`). A throwing `beforeStop` does not stop the
 * stop: the app still drains and closes, ends `failed`, and `stop()` rejects with the error.
 */
export interface AppHooks {
  beforeStart?(app: App): void | Promise<void>;
  afterStart?(app: App): void | Promise<void>;
  beforeStop?(app: App): void | Promise<void>;
  afterStop?(app: App): void | Promise<void>;
}

/** What {@link defineApp} takes. */
export interface AppSpec {
  /** The app's name: letters, digits, `-`, `_`. Namespaces everything the app creates. */
  name: string;
  /** Service implementations (every service of the system, whatever the placement). */
  services: readonly ServiceImplementation[];
  /** Named groups of service names. Default: one group `main` with every service. */
  groups?: Readonly<Record<string, readonly string[]>>;
  /** Middleware on every call served (`server`) and made (`client`), outermost first. */
  middleware?: { server?: readonly Middleware[]; client?: readonly Middleware[] };
  /** Configuration; `WEFT_*` variables and createApp options override it. */
  config?: ConfigInput;
  hooks?: AppHooks;
  /** Durable workflows (`defineWorkflow` from `weft/workflow`); they need a store. */
  workflows?: readonly WorkflowLike[];
  /**
   * Topics the app's services publish (`defineTopic` from `weft`). Topics that services subscribe
   * to are known from their subscriptions; list here the ones only published.
   */
  topics?: readonly TopicLike[];
  /**
   * Give the app a store for `ctx.tx` even without workflows or events. Default: only when the
   * app has workflows, topics or subscriptions.
   */
  store?: boolean;
}

/** What core knows of a workflow definition: that it is one, and its name. */
export interface WorkflowLike {
  readonly kind: "weft.workflow";
  readonly name: string;
}

/** A validated app definition: a value, safe to import from many places. */
export interface AppDefinition {
  readonly kind: "weft.app";
  readonly name: string;
  readonly services: readonly ServiceImplementation[];
  readonly groups: Readonly<Record<string, readonly string[]>> | undefined;
  readonly middleware: {
    readonly server: readonly Middleware[];
    readonly client: readonly Middleware[];
  };
  readonly config: ConfigInput | undefined;
  readonly hooks: AppHooks;
  readonly workflows: readonly WorkflowLike[];
  /** Every topic: declared ones and those subscribed to, by name. */
  readonly topics: readonly TopicLike[];
  /** True when the app needs a store (workflows, topics, subscriptions, or `store: true`). */
  readonly store: boolean;
}

const SPEC_KEYS = new Set([
  "name",
  "services",
  "groups",
  "middleware",
  "config",
  "hooks",
  "workflows",
  "topics",
  "store",
]);

/**
 * Declares an app. Unknown keys, a bad name, a value that is not an implementation and two
 * implementations of one service are reported together.
 */
export function defineApp(spec: AppSpec): AppDefinition {
  const issues: FieldIssue[] = [];
  for (const key of Object.keys(spec)) {
    if (!SPEC_KEYS.has(key))
      issues.push({ path: [key], message: `unknown key (known: ${[...SPEC_KEYS].join(", ")})` });
  }
  if (typeof spec.name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(spec.name)) {
    issues.push({
      path: ["name"],
      message: 'must start with a letter and use only letters, digits, "-" and "_"',
    });
  }
  const seen = new Set<string>();
  (spec.services ?? []).forEach((impl, i) => {
    if (impl?.kind !== "weft.implementation") {
      issues.push({ path: ["services", i], message: "must be contract.implement({...})" });
    } else if (seen.has(impl.contract.name)) {
      issues.push({
        path: ["services", i],
        message: `service "${impl.contract.name}" is implemented twice`,
      });
    } else seen.add(impl.contract.name);
  });
  const workflowNames = new Set<string>();
  (spec.workflows ?? []).forEach((wf, i) => {
    if (wf?.kind !== "weft.workflow") {
      issues.push({ path: ["workflows", i], message: "must be defineWorkflow(...)" });
    } else if (workflowNames.has(wf.name)) {
      issues.push({ path: ["workflows", i], message: `workflow "${wf.name}" is listed twice` });
    } else workflowNames.add(wf.name);
  });
  const topics = new Map<string, TopicLike>();
  (spec.topics ?? []).forEach((topic, i) => {
    if (topic?.kind !== "weft.topic") {
      issues.push({ path: ["topics", i], message: "must be defineTopic(...)" });
    } else if (topics.has(topic.name) && topics.get(topic.name) !== topic) {
      issues.push({ path: ["topics", i], message: `two topics are named "${topic.name}"` });
    } else topics.set(topic.name, topic);
  });
  for (const impl of spec.services ?? []) {
    for (const subscription of impl?.subscriptions ?? []) {
      const known = topics.get(subscription.topic.name);
      if (known !== undefined && known !== subscription.topic) {
        issues.push({
          path: ["services", impl.contract.name, "subscriptions"],
          message: `subscribes to a different topic also named "${subscription.topic.name}"`,
        });
      } else topics.set(subscription.topic.name, subscription.topic);
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return Object.freeze({
    kind: "weft.app",
    name: spec.name,
    services: [...spec.services],
    groups: spec.groups,
    middleware: { server: spec.middleware?.server ?? [], client: spec.middleware?.client ?? [] },
    config: spec.config,
    hooks: spec.hooks ?? {},
    workflows: [...(spec.workflows ?? [])],
    topics: [...topics.values()],
    store: spec.store === true || (spec.workflows ?? []).length > 0 || topics.size > 0,
  });
}

/** Options of {@link createApp}: what differs between deployments of one definition. */
export interface AppOptions {
  /** Groups to run in this process. Default: config `groups` (WEFT_GROUP), else all. */
  group?: string | readonly string[];
  /** Environment to read `WEFT_*` from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Config that wins over the definition and the environment. */
  config?: ConfigInput;
  /** Logger. Default: pino JSON lines on stdout at the configured level. */
  logger?: Logger;
  /**
   * Transport to services of groups that run elsewhere (e.g. NATS), or a function that makes one
   * from the resolved config (returning undefined when the config asks for none).
   */
  transport?: Transport | ((config: WeftConfig) => Transport | undefined);
  /** Store, engines and relays that start and stop with the app, in order. */
  extensions?: readonly AppExtension[];
  /** Run no service here: a process that only makes calls (a script, a test driver). */
  clientOnly?: boolean;
  /**
   * Client middleware applied outermost to every call that leaves the process, before the app's
   * own (the `weft` entry puts retry and circuit breaking here). Default none.
   */
  resilience?: readonly Middleware[];
  /** Codec for serialized and remote calls. Default JSON. */
  codec?: Codec;
  /**
   * Told about every span: calls made and served, work performed (`weft/observe` records them
   * for traces, metrics and OpenTelemetry). Default none: the call path then builds no spans.
   */
  observer?: CallObserver;
}

/**
 * Something that lives and dies with an app: the store, the workflow engine, event relays. The
 * composition root (`createApp` from `weft`) adds them; core knows only this shape.
 */
export interface AppExtension {
  /** For logs and errors. */
  readonly name: string;
  /** Before the app serves: open connections, migrate. A failure fails the start. */
  start?(app: App): Promise<void>;
  /** Once the app serves calls: begin background work (claiming runs, relaying). */
  started?(app: App): Promise<void>;
  /** Stop taking new work and finish what runs, by `deadline` (epoch ms). */
  drain?(deadline: number): Promise<void>;
  /** After draining: release leases, close connections. Called in reverse order. */
  stop?(): Promise<void>;
  /** Provides `ctx.tx` (the first extension that has it wins). */
  readonly transactor?: Transactor;
  /** What the extension provides to `ctx.use(key)` and `app.use(key)`. */
  provide?(key: ExtensionKey<unknown>): unknown;
  /** Config slices it reads (`app.config.get(slice)`); read for every service's extension. */
  readonly configSlices?: readonly ConfigSlice<unknown>[];
}

/** The app's lifecycle states. */
export type AppState = "created" | "starting" | "running" | "draining" | "stopped" | "failed";

/** Options of `app.stop()`. */
export interface StopOptions {
  /** How long to wait for in-flight calls. Default: config `shutdownGrace` (25 s). */
  grace?: Duration;
}

/** What `app.stop()` found. */
export interface StopReport {
  /** True when every in-flight call finished within the grace period. */
  readonly drained: boolean;
  /** Calls still running when the grace period ended; they were cancelled. */
  readonly abandoned: number;
}

/** Options of `app.client()` for calls made from outside any handler. */
export interface RootCallOptions {
  metadata?: Readonly<Record<string, string>>;
  principal?: Principal;
  /** Continue this trace (e.g. from an incoming HTTP request). */
  traceparent?: string;
  /**
   * The calls belong to work already in flight (a workflow step, an event handler), so they are
   * served while the app drains. Default false: new work is refused once stop() began.
   */
  admitted?: boolean;
}

/** What a process runs, for banners and the dashboard. */
export interface AppDescription {
  readonly name: string;
  readonly state: AppState;
  readonly env: string;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  readonly running: readonly string[];
  readonly localServices: readonly string[];
  readonly remoteServices: readonly string[];
  readonly transport: string;
}

/** A running (or runnable) app. */
export interface App {
  readonly name: string;
  readonly config: WeftConfig;
  readonly logger: Logger;
  readonly placement: Placement;
  readonly state: AppState;
  /** True while running and not draining: what `/readyz` reports. */
  readonly ready: boolean;
  /** Starts serving. Fails (state `failed`) if a hook or transport fails. */
  start(): Promise<void>;
  /**
   * Stops intake, drains in-flight calls within the grace period, closes transports. If the
   * `beforeStop` hook throws, the stop still drains and closes everything, then ends `failed` and
   * rejects with the hook's error (later calls return the same promise).
   */
  stop(options?: StopOptions): Promise<StopReport>;
  /** A typed client for calls from outside any handler. */
  client<C extends AnyContract>(contract: C, options?: RootCallOptions): Client<C>;
  describe(): AppDescription;
  /** What an extension provides under `key` (as `ctx.use`); throws FAILED_PRECONDITION if none. */
  use<T>(key: ExtensionKey<T>): T;
  /**
   * Runs work that belongs to a service of this process but is not a method call (an event
   * handler, a gateway request) with a full call context: refused once the app drains (unless
   * `admitted`), waited for by `stop()`, aborted at its deadline. For extensions.
   */
  perform<T>(
    service: string,
    operation: string,
    fn: (ctx: CallContext) => Promise<T>,
    options?: PerformOptions,
  ): Promise<T>;
  /** Calls `listener` on every state change; returns an unsubscribe function. */
  onStateChange(listener: (state: AppState) => void): () => void;
}

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
    transactor: extensions.find((e) => e.transactor !== undefined)?.transactor,
    provided: (key) => {
      for (const extension of extensions) {
        const value = extension.provide?.(key);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  });
  const transports =
    remoteTransport === undefined ? [localTransport] : [localTransport, remoteTransport];
  const listeners = new Set<(state: AppState) => void>();
  let state: AppState = "created";
  let starting: Promise<void> | undefined;
  let stopping: Promise<StopReport> | undefined;

  const setState = (next: AppState) => {
    state = next;
    logger.debug({ state: next }, `app ${name} is ${next}`);
    for (const listener of listeners) listener(next);
  };

  const stopExtensions = async (list: readonly AppExtension[]) => {
    for (const extension of [...list].reverse()) {
      try {
        await extension.stop?.();
      } catch (err) {
        logger.error({ err }, `stopping ${extension.name} failed`);
      }
    }
  };

  const closeTransports = async () => {
    const results = await Promise.allSettled(transports.map((t) => t.close()));
    for (const r of results)
      if (r.status === "rejected") logger.error({ err: r.reason }, "closing a transport failed");
  };

  const app: App = {
    name,
    config,
    logger,
    placement,
    get state() {
      return state;
    },
    get ready() {
      return state === "running";
    },
    async start() {
      if (state !== "created") {
        throw failedPrecondition(
          "APP_NOT_STARTABLE",
          `app ${name} is ${state}; only a created app can start`,
        );
      }
      setState("starting");
      starting = (async () => {
        const begun: AppExtension[] = [];
        try {
          // Extensions (the store) start first, so beforeStart can migrate and seed through them.
          for (const extension of extensions) {
            begun.push(extension);
            await extension.start?.(app);
          }
          await def.hooks.beforeStart?.(app);
          await localTransport.serve(runtime, [...placement.local]);
          await remoteTransport?.serve(runtime, [...placement.local]);
          runtime.intake = "open";
          for (const extension of extensions) await extension.started?.(app);
          setState("running");
          await def.hooks.afterStart?.(app);
        } catch (error) {
          runtime.intake = "closed";
          await stopExtensions(begun);
          await closeTransports();
          setState("failed");
          throw error;
        }
      })();
      return starting;
    },
    stop(stopOptions = {}) {
      stopping ??= (async () => {
        // A stop during start (a signal while a hook runs) lets the start settle, then stops:
        // otherwise the start would open intake again after the stop had closed it.
        if (state === "starting") await starting?.catch(() => {});
        if (state === "created" || state === "failed") {
          setState("stopped");
          return { drained: true, abandoned: 0 };
        }
        const graceMs =
          stopOptions.grace === undefined
            ? config.shutdownGraceMs
            : toMilliseconds(stopOptions.grace, "grace");
        setState("draining");
        runtime.intake = "draining";
        // A failing beforeStop must not keep the app draining for ever: the stop goes on and
        // rejects with the hook's error at the end, in state `failed`.
        let hookFailure: { error: unknown } | undefined;
        try {
          await def.hooks.beforeStop?.(app);
        } catch (error) {
          logger.error({ err: error }, "the beforeStop hook failed; stopping anyway");
          hookFailure = { error };
        }
        await Promise.allSettled(transports.map((t) => t.stopIntake()));
        let timer: NodeJS.Timeout | undefined;
        const deadline = Date.now() + graceMs;
        const drained = await Promise.race([
          Promise.all([
            runtime.idle(),
            ...extensions.map((e) =>
              e.drain?.(deadline).catch((err: unknown) => {
                logger.error({ err }, `draining ${e.name} failed`);
              }),
            ),
          ]).then(() => true),
          new Promise<boolean>((resolve) => {
            // Node fires a timer over 2^31-1 ms at once: a longer grace waits that long instead.
            timer = setTimeout(() => resolve(false), Math.min(graceMs, 2 ** 31 - 1));
          }),
        ]);
        clearTimeout(timer);
        const abandoned = runtime.inflight.size;
        if (!drained) {
          logger.warn(
            { abandoned, graceMs },
            `grace period over: cancelling ${abandoned} in-flight call(s)`,
          );
          const reason = cancelled("SHUTDOWN", `app ${name} stopped before the call finished`, {
            mayHaveRun: true,
          });
          for (const ctx of runtime.inflight) ctx.abort(reason);
        }
        runtime.intake = "closed";
        await stopExtensions(extensions);
        await closeTransports();
        if (hookFailure === undefined) {
          setState("stopped");
          await def.hooks.afterStop?.(app);
          return { drained, abandoned };
        }
        setState("failed");
        await (async () => def.hooks.afterStop?.(app))().catch((err: unknown) => {
          logger.error({ err }, "the afterStop hook failed");
        });
        throw hookFailure.error;
      })();
      return stopping;
    },
    client(contract, callOptions = {}) {
      return runtime.client(contract, undefined, {
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
        state,
        env: config.env,
        groups: def.groups ?? { main: serviceNames },
        running: placement.running,
        localServices: [...placement.local],
        remoteServices: remote,
        transport: remoteTransport?.name ?? localTransport.name,
      };
    },
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return app;
}
