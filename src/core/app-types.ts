/**
 * What an app is to its users and extensions: the {@link App} interface, its options, hooks and
 * lifecycle states, and the {@link AppExtension} shape through which the store, engines and relays
 * live and die with it.
 */
import type { Codec } from "./codec.js";
import type { ConfigInput, WeftConfig } from "./config.js";
import type { ConfigSlice } from "./config-slice.js";
import type { CallContext, ExtensionKey, Principal } from "./context.js";
import type { Duration } from "./duration.js";
import type { Middleware } from "./handler.js";
import type { Logger } from "./logger.js";
import type { CallObserver } from "./observer.js";
import type { Placement } from "./placement.js";
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

/** Options of `Runtime.perform` (and `app.perform`). */
export interface PerformOptions {
  /** Time limit of the work. Default: the app's call timeout. */
  readonly timeoutMs?: number;
  /** Continue this trace. */
  readonly traceparent?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly principal?: Principal;
  /** The work was accepted before the app began draining: run it while draining. */
  readonly admitted?: boolean;
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
  // `client(contract, options)` is declared in contract.ts (declaration merging).
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
