/**
 * Starting and managing workflows from handlers, scripts and tests: `workflows(ctx)` or
 * `workflows(app)` gives the app's workflow client.
 *
 * @example
 * ```ts
 * const { id } = await workflows(ctx).start(checkout, order, { id: `order-${order.id}` });
 * // atomically with a business write: the run exists iff the transaction commits
 * await ctx.tx(async (tx) => {
 *   await tx.execute(sql`insert into orders (id) values (${order.id})`);
 *   await tx.start(checkout, order, { id: `order-${order.id}` });
 * });
 * const receipt = await workflows(app).run(checkout, order); // start and wait for the output
 * await workflows(app).signal(id, "approved", { by: "ada" });
 * ```
 */
import {
  type CallContext,
  type Duration,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
  type InferIn,
  type InferOut,
} from "../core/index.js";
import { heldTransaction } from "../store/open-tx.js";
import type { AnyWorkflow } from "./authoring/types.js";
import type { RunDetails, RunFilter, RunSummary } from "./engine/manage.js";
import type { RunOutcome } from "./engine/waiters.js";

/** Options of `start`. */
export interface StartOptions {
  /**
   * The run id, which is the idempotency key: starting the same id with the same input returns
   * the same run; with another input it fails with ALREADY_EXISTS naming the run. Default: a new
   * UUIDv7.
   */
  readonly id?: string;
  /**
   * Who started the run: `workflows(ctx)` sets it from the handler's context, so the run's steps
   * continue the caller's trace and their calls are drawn as the calling service's.
   */
  readonly origin?: RunOrigin;
}

/** The call that started a run. */
export interface RunOrigin {
  /** Its W3C trace position. */
  readonly traceparent?: string;
  /** The service whose handler started the run. */
  readonly caller?: string;
}

declare module "../store/tx-handle.js" {
  interface TxHandle {
    /**
     * Records a run of `workflow` in this transaction: it exists iff the transaction commits, and
     * a worker claims and runs it after the commit, outside the transaction. Same rules as
     * `workflows(ctx).start`: the input is validated (INVALID_ARGUMENT), and the run id is the
     * idempotency key (same id and input: the same run; another input: ALREADY_EXISTS).
     */
    start<W extends AnyWorkflow>(
      workflow: W,
      input: InferIn<W["input"]>,
      options?: StartOptions,
    ): Promise<{ readonly id: string; readonly created: boolean }>;
  }
}

/** The workflow client of an app. */
export interface WorkflowClient {
  /** Validates the input (INVALID_ARGUMENT, nothing stored), records the run and returns its id. */
  start<W extends AnyWorkflow>(
    workflow: W,
    input: InferIn<W["input"]>,
    options?: StartOptions,
  ): Promise<{ readonly id: string; readonly created: boolean }>;
  /**
   * Starts (or finds) a run and waits for its output; a run that did not complete throws its error.
   * Once the run is recorded, an error while waiting (the timeout: RUN_NOT_FINISHED; the store
   * unreachable past the timeout) says `mayHaveRun: true`, is retryable, and carries the run id in
   * `metadata.runId`: the run goes on, and running the same id again waits for it.
   */
  run<W extends AnyWorkflow>(
    workflow: W,
    input: InferIn<W["input"]>,
    options?: StartOptions & { readonly timeout?: Duration },
  ): Promise<InferOut<W["output"]>>;
  /** Waits until a run ends. Default timeout 30 s (then FAILED_PRECONDITION RUN_NOT_FINISHED). */
  result(id: string, options?: { readonly timeout?: Duration }): Promise<RunOutcome>;
  /** A run with its step history. */
  get(id: string): Promise<RunDetails>;
  /** Runs, newest first, filtered by status, workflow, version and creation time. */
  list(filter?: RunFilter): Promise<RunSummary[]>;
  /** Delivers a signal to a run waiting (or about to wait) in `wf.signal(name)`. */
  signal(id: string, name: string, payload?: unknown): Promise<void>;
  /** Cancels a run: it sees CANCELLED at its next step and its compensations run. */
  cancel(id: string): Promise<void>;
  /** Runs a failed run again from its journal (after deploying a fix). */
  resume(id: string): Promise<void>;
  /** Forgets the journal from the step named `step` on and runs the run again from there. */
  retryFrom(id: string, step: string): Promise<void>;
  /** Deletes finished runs older than `olderThan` (retention); returns how many. */
  cleanup(olderThan: Duration): Promise<number>;
}

/** The key under which an app provides its workflow client. */
export const WORKFLOWS: ExtensionKey<WorkflowClient> = extensionKey<WorkflowClient>(
  "workflow engine (add workflows to defineApp)",
);

/** Refuses `start`/`run` from a call whose `ctx.tx` (or a caller's, in this process) is open. */
function checkOutsideTransaction(ctx: CallContext, what: "start" | "run"): void {
  const holder = heldTransaction(ctx);
  if (holder === undefined) return;
  throw failedPrecondition(
    "START_IN_TX",
    holder === ctx
      ? `${ctx.service}.${ctx.method} called workflows(ctx).${what} while its ctx.tx is open: the run would not commit with that transaction; use tx.start(workflow, input) on the transaction's handle`
      : `${ctx.service}.${ctx.method} called workflows(ctx).${what} while its caller ${holder.service}.${holder.method} has a transaction open: start the run with that transaction's tx.start, or after it`,
  );
}

/**
 * The workflow client of the app behind a call context or an app. From a call context, runs it
 * starts remember the caller's trace and service (see {@link StartOptions.origin}); `start` and
 * `run` are refused (FAILED_PRECONDITION `START_IN_TX`) while the call has a `ctx.tx` open: use
 * that transaction's `tx.start`.
 */
export function workflows(from: { use<T>(key: ExtensionKey<T>): T }): WorkflowClient {
  const client = from.use(WORKFLOWS);
  const ctx = from as CallContext;
  if (typeof ctx.service !== "string" || typeof ctx.traceparent !== "string") return client;
  const origin: RunOrigin = { traceparent: ctx.traceparent, caller: ctx.service };
  return {
    ...client,
    start: async (workflow, input, options) => {
      checkOutsideTransaction(ctx, "start");
      return client.start(workflow, input, { origin, ...options });
    },
    run: async (workflow, input, options) => {
      checkOutsideTransaction(ctx, "run");
      return client.run(workflow, input, { origin, ...options });
    },
  };
}
