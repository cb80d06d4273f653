/**
 * An app's lifecycle, created → starting → running → draining → stopped | failed: the start
 * sequence (extensions, hooks, transports, intake) and the stop sequence (intake, drain within the
 * grace period, cancellation of what is left, extensions and transports closed).
 */
import type {
  App,
  AppExtension,
  AppHooks,
  AppState,
  StopOptions,
  StopReport,
} from "./app-types.js";
import type { WeftConfig } from "./config.js";
import { toMilliseconds } from "./duration.js";
import { cancelled, failedPrecondition } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Placement } from "./placement.js";
import type { Runtime } from "./runtime.js";
import type { Transport } from "./transport.js";

/** What the lifecycle starts and stops. */
export interface LifecycleParts {
  readonly name: string;
  readonly config: WeftConfig;
  readonly logger: Logger;
  readonly def: { readonly hooks: AppHooks };
  readonly placement: Placement;
  /** In start order; stopped in reverse. */
  readonly extensions: readonly AppExtension[];
  readonly runtime: Runtime;
  readonly localTransport: Transport;
  readonly remoteTransport: Transport | undefined;
}

/** The lifecycle state machine of one app. */
export interface Lifecycle {
  readonly state: AppState;
  /** See {@link App.start}; `app` is what hooks and extensions are given. */
  start(app: App): Promise<void>;
  /** See {@link App.stop}. */
  stop(app: App, stopOptions?: StopOptions): Promise<StopReport>;
  onStateChange(listener: (state: AppState) => void): () => void;
}

/** Makes the lifecycle of an app from its parts; the app starts `created`. */
export function createLifecycle(parts: LifecycleParts): Lifecycle {
  const { name, config, logger, def, placement, extensions, runtime } = parts;
  const { localTransport, remoteTransport } = parts;
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

  return {
    get state() {
      return state;
    },
    async start(app) {
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
    stop(app, stopOptions = {}) {
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
    onStateChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
