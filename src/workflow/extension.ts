/**
 * The workflow engine as an app extension: it migrates its tables in the app's store, starts
 * claiming runs once the app serves, drains with the app (executions finish or halt at their next
 * step), and gives up its leases on stop so other workers resume its runs at once.
 */
import {
  type AppExtension,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
  type InferIn,
  toMilliseconds,
} from "../core/index.js";
import type { StoreExtension } from "../store/extension.js";
import type { AnyWorkflow } from "./authoring/types.js";
import { awaitRecordedRun, endedRunError } from "./await-run.js";
import { type StartOptions, WORKFLOWS, type WorkflowClient } from "./client.js";
import { Engine } from "./engine/engine.js";
import type { Clock } from "./engine/host.js";
import { Management } from "./engine/manage.js";
import { WORKFLOW_MIGRATIONS } from "./engine/schema.js";

/** Options of the workflow extension. */
export interface WorkflowExtensionOptions {
  readonly workflows: readonly AnyWorkflow[];
  /** Lease of a run without heartbeat. Default 15 s. */
  readonly leaseMs?: number;
  /** How often to look for work from other processes and expired leases. Default 1 s. */
  readonly pollMs?: number;
  /** Time source (a fake clock in tests). */
  readonly clock?: Clock;
  /** Most runs executing at once here. Default 256. */
  readonly maxConcurrent?: number;
  /** Execute runs in this process. Default true (false for client-only apps). */
  readonly execute?: boolean;
}

/** The workflow extension; `engine` is there once the app started. */
export interface WorkflowExtension extends AppExtension {
  readonly engine: Engine | undefined;
}

/**
 * The key under which a started app provides its workflow engine itself, for tools that look
 * inside it (`replayAll` in `weft/testing`, the executing count in tests). Not part of the API.
 */
export const WORKFLOW_ENGINE: ExtensionKey<Engine> = extensionKey<Engine>("workflow engine");

/** Makes the workflow extension of an app, on its store extension. */
export function workflowExtension(
  store: StoreExtension,
  options: WorkflowExtensionOptions,
): WorkflowExtension {
  let engine: Engine | undefined;
  let manage: Management | undefined;
  const ready = () => {
    if (engine === undefined || manage === undefined) {
      throw failedPrecondition(
        "ENGINE_NOT_STARTED",
        "the workflow engine starts with the app: call app.start() first",
      );
    }
    return { engine, manage };
  };
  // `tx.start`: the run row is written in the transaction whose handle it is; a worker claims it
  // once that transaction committed (woken then, here and, on PostgreSQL, in other processes).
  const wake = () => {
    engine?.nudge();
    void engine?.notifyOthers();
  };
  store.extendTx(({ ctx, tx, afterCommit }) => ({
    start: async <W extends AnyWorkflow>(
      workflow: W,
      input: InferIn<W["input"]>,
      startOptions?: StartOptions,
    ) => {
      const origin =
        ctx === undefined ? undefined : { traceparent: ctx.traceparent, caller: ctx.service };
      const started = await ready().engine.startRun(workflow, input, {
        ...(origin === undefined ? {} : { origin }),
        ...startOptions,
        tx,
      });
      afterCommit(wake);
      return started;
    },
  }));
  const client: WorkflowClient = {
    start: (workflow, input, startOptions) =>
      ready().engine.startRun(workflow, input, startOptions),
    async run(workflow, input, runOptions) {
      const { engine: e } = ready();
      const { id } = await e.startRun(workflow, input, {
        ...(runOptions?.id === undefined ? {} : { id: runOptions.id }),
        ...(runOptions?.origin === undefined ? {} : { origin: runOptions.origin }),
      });
      const outcome = await awaitRecordedRun(
        (runId, ms) => e.waitFor(runId, ms),
        id,
        toMilliseconds(runOptions?.timeout ?? "30s", "timeout"),
      );
      if (outcome.status !== "completed") throw endedRunError(outcome, id);
      return outcome.output as never;
    },
    result: (id, resultOptions) =>
      ready().engine.waitFor(id, toMilliseconds(resultOptions?.timeout ?? "30s", "timeout")),
    get: (id) => ready().manage.get(id),
    list: (filter) => ready().manage.list(filter),
    signal: (id, name, payload) => ready().manage.signal(id, name, payload),
    cancel: (id) => ready().manage.cancel(id),
    resume: (id) => ready().manage.resume(id),
    retryFrom: (id, step) => ready().manage.retryFrom(id, step),
    cleanup: (olderThan) => {
      // On the engine's clock: completion times are written with it (a fake clock in tests).
      const { engine: e, manage: m } = ready();
      return m.cleanup(e.clock.now() - toMilliseconds(olderThan, "olderThan"));
    },
  };
  return {
    name: "workflows",
    get engine() {
      return engine;
    },
    async start(app) {
      await store.store.migrate(WORKFLOW_MIGRATIONS, { scope: "workflow" });
      engine = new Engine({
        store: store.store,
        transaction: (fn) => store.transaction(fn),
        app,
        workflows: options.workflows,
        ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.maxConcurrent === undefined ? {} : { maxConcurrent: options.maxConcurrent }),
        ...(options.execute === undefined ? {} : { execute: options.execute }),
      });
      const e = engine;
      manage = new Management(
        store.store,
        () => e.clock.now(),
        () => e.nudge(),
      );
    },
    async started() {
      await engine?.start();
    },
    async drain(deadline) {
      await engine?.drain(deadline);
    },
    async stop() {
      await engine?.stop();
    },
    provide(key: ExtensionKey<unknown>) {
      if (key === WORKFLOWS) return client;
      return key === WORKFLOW_ENGINE ? engine : undefined;
    },
  };
}
