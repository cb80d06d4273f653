/**
 * What workflow code sees. Everything here is deterministic by construction: time, randomness,
 * ids, waiting and side effects all go through `wf`, and each is recorded in the journal, so a
 * replay after a crash sees the same values and skips the work already done.
 */
import type {
  AnyContract,
  CallOptions,
  Client,
  Duration,
  InferIn,
  InferOut,
  Logger,
  StandardSchemaV1,
  TopicLike,
} from "../../core/index.js";
import type { Published, PublishOptions } from "../../events/publish.js";
import type { TxHandle } from "../../store/tx-handle.js";

/** What a step's code gets: a context for calls and transactions inside that step. */
export interface StepContext {
  readonly runId: string;
  readonly workflow: string;
  /** The step's name. */
  readonly step: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** Aborted at the step's timeout, or when the engine stops before the step ends. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /** A client for services; the calls are plain calls inside this step. */
  client<C extends AnyContract>(contract: C): Client<C>;
  /**
   * A store transaction for the service's own tables, with the handle `ctx.tx` of a handler
   * gives (`tx.publish`, `tx.start`, `tx.transaction`). Its result is recorded in the same
   * transaction, so if the step runs again (after a crash) the transaction is not run twice: its
   * recorded result is returned. Events published with `tx.publish` get ids derived from the run,
   * the step, the transaction and their position in it: recorded once however often it re-runs.
   */
  tx<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T>;
  /**
   * Publishes an event in a transaction of its own (see `ctx.publish`); refused while this step's
   * `ctx.tx` is open (use `tx.publish` there). Its id derives from the run, the step and the
   * publish's position in the step, so a step run again (after a crash or a retry) records the
   * event once.
   */
  publish<T>(topic: TopicLike<T>, event: T, options?: PublishOptions): Promise<Published>;
}

/** How a step retries. */
export interface StepRetry {
  /** Most attempts in all. Default 3. */
  readonly attempts?: number;
  /** First wait. Default `"100ms"`. */
  readonly initial?: Duration;
  /** Largest wait. Default `"10s"`. */
  readonly max?: Duration;
}

/** Options of `wf.step`. */
export interface StepOptions<T> {
  /** Retries after a retryable failure, or `false` for none. Default: 3 attempts. */
  readonly retry?: StepRetry | false;
  /** Each attempt's time limit; the step's signal aborts then. Default: none. */
  readonly timeout?: Duration;
  /**
   * Undoes the step when the workflow fails later (saga). Compensations run in reverse order of
   * their steps, each durable and retried like a step.
   */
  readonly compensate?: (ctx: StepContext, result: T) => Promise<unknown>;
}

/** Options of `wf.signal`. */
export interface SignalOptions<S extends StandardSchemaV1 | undefined> {
  /** Give up waiting after this long: the signal call throws DEADLINE_EXCEEDED. Default: wait forever. */
  readonly timeout?: Duration;
  /** Validates the signal's payload when it arrives (a bad one is refused to the sender). */
  readonly schema?: S;
}

/** Options of `wf.child`. */
export interface ChildOptions {
  /** The child's run id. Default: derived from this run's id and the call's position. */
  readonly id?: string;
}

/** A workflow function's handle on its run. */
export interface WorkflowContext {
  readonly runId: string;
  readonly workflow: string;
  /** The workflow version this run started with. */
  readonly version: string;
  readonly logger: Logger;
  /**
   * Runs `fn` once and records its result: after a crash the recorded result is returned and `fn`
   * does not run again. `fn` may run more than once only if the process died while it ran
   * (at-least-once execution of a step; exactly-once recording).
   */
  step<T>(name: string, fn: (ctx: StepContext) => Promise<T>, options?: StepOptions<T>): Promise<T>;
  /** Waits durably: the run is unloaded and resumes after `duration`, across restarts. */
  sleep(name: string, duration: Duration): Promise<void>;
  /** Waits for a signal sent with `workflows(...).signal(runId, name, payload)`. */
  signal<S extends StandardSchemaV1 | undefined = undefined>(
    name: string,
    options?: SignalOptions<S>,
  ): Promise<S extends StandardSchemaV1 ? InferOut<S> : unknown>;
  /** The current time, recorded (epoch milliseconds). */
  now(): Promise<number>;
  /** A random number in [0, 1), recorded. */
  random(): Promise<number>;
  /** A random UUID (v7), recorded. */
  uuid(): Promise<string>;
  /** Starts a child workflow and waits for its result (its failure is thrown here). */
  child<W extends AnyWorkflow>(
    workflow: W,
    input: InferIn<W["input"]>,
    options?: ChildOptions,
  ): Promise<InferOut<W["output"]>>;
  /** A client whose every call is one checkpointed step named `service.method`. */
  client<C extends AnyContract>(contract: C): Client<C>;
  /**
   * True for runs that reach this point with code that has the patch `id`, false for runs that
   * passed this point before the patch was deployed. Branch on it to change a workflow safely
   * while runs are in flight.
   */
  patched(id: string): boolean;
}

/** Options of a call made through `wf.client`. */
export type WorkflowCallOptions = Pick<CallOptions, "timeout" | "metadata">;

/** Limits of a workflow's queue. */
export interface QueueOptions {
  /** Queue name; workflows may share one. */
  readonly name: string;
  /** Most runs of the queue executing at once, across all workers. Default: no limit. */
  readonly concurrency?: number;
  /** Most runs started per second, across all workers. Default: no limit. */
  readonly perSecond?: number;
}

/** A cron schedule that starts a workflow. */
export interface ScheduleOptions {
  /** Cron pattern (5 or 6 fields, seconds first when 6), e.g. `"0 3 * * *"`. */
  readonly cron: string;
  /** Input of each scheduled run. Default `{}`. */
  readonly input?: unknown;
  /** IANA time zone of the pattern. Default UTC. */
  readonly timezone?: string;
}

/** A workflow definition: a value, as contracts are. */
export interface WorkflowDefinition<
  I extends StandardSchemaV1 = StandardSchemaV1,
  O extends StandardSchemaV1 = StandardSchemaV1,
> {
  readonly kind: "weft.workflow";
  readonly name: string;
  /** Recorded with each run; list runs by it after a deploy. Default `"1"`. */
  readonly version: string;
  readonly input: I;
  readonly output: O;
  readonly queue: QueueOptions | undefined;
  /** Starts a run on a cron schedule, once per fire time across all workers. */
  readonly schedule: ScheduleOptions | undefined;
  readonly run: (wf: WorkflowContext, input: InferOut<I>) => Promise<InferIn<O>>;
}

/** Any workflow definition. */
// biome-ignore lint/suspicious/noExplicitAny: schemas vary per workflow.
export type AnyWorkflow = WorkflowDefinition<any, any>;
