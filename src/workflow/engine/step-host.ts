/**
 * What a run's steps get from the engine ({@link ExecutionHost}): clients whose calls belong to
 * the run, transactions recorded once per (run, step, index), events published with ids derived
 * from the same, child runs, and ids.
 */
import type { AnyContract, App, CallOptions, Client, Logger, TopicLike } from "../../core/index.js";
import { PUBLISHER, type Published, type PublishOptions } from "../../events/publish.js";
import { type Store, sql } from "../../store/index.js";
import type { TxHandle } from "../../store/tx-handle.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { RunOrigin } from "../client.js";
import type { Execution } from "./execution.js";
import type { Clock, ExecutionHost } from "./host.js";
import { newId, stepEventId } from "./ids.js";
import type { Journal } from "./journal.js";
import { decodeJson, encodeJson } from "./json.js";
import { stepTxHandle } from "./step-tx.js";

/** What {@link StepHost} needs. */
export interface StepHostOptions {
  readonly store: Store;
  /** Opens a top-level transaction with the app's full handle (`tx.publish`, `tx.start`). */
  readonly transaction: <T>(fn: (tx: TxHandle) => Promise<T>) => Promise<T>;
  readonly app: App;
  readonly owner: string;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The executions of this process (a step's client calls in its run's trace). */
  readonly executing: ReadonlyMap<string, Execution>;
  /** The engine's start of a run (idempotent by id). */
  readonly startRun: (
    workflow: AnyWorkflow,
    input: unknown,
    options: { id?: string; parentId?: string; origin?: RunOrigin },
  ) => Promise<unknown>;
}

/** The engine as the executions of one process see it. */
export class StepHost implements ExecutionHost {
  readonly owner: string;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  private readonly executing: ReadonlyMap<string, Execution>;

  constructor(private readonly options: StepHostOptions) {
    this.owner = options.owner;
    this.journal = options.journal;
    this.clock = options.clock;
    this.logger = options.logger;
    this.executing = options.executing;
  }

  private startRun(
    workflow: AnyWorkflow,
    input: unknown,
    options: { id?: string; parentId?: string; origin?: RunOrigin },
  ): Promise<unknown> {
    return this.options.startRun(workflow, input, options);
  }

  publish(
    runId: string,
    seq: number,
    index: number,
    topic: TopicLike,
    event: unknown,
    options: PublishOptions | undefined,
  ): Promise<Published> {
    try {
      const publisher = this.options.app.use(PUBLISHER);
      const publishOptions = { ...options, id: options?.id ?? stepEventId(runId, seq, index) };
      // In the run's trace, as the service that started it (like its steps' calls): a span of
      // its own, whose position the event carries to its subscribers.
      const run = this.executing.get(runId)?.run;
      const traceparent = run?.traceparent ?? undefined;
      if (run?.caller == null || traceparent === undefined)
        return publisher.publish(undefined, topic, event, publishOptions);
      return this.options.app.perform(
        run.caller,
        `publish ${topic.name}`,
        (ctx) => publisher.publish(ctx, topic, event, publishOptions),
        { admitted: true, metadata: { "weft-run": runId }, traceparent },
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  client<C extends AnyContract>(contract: C, runId: string, step: string): Client<C> {
    const run = this.executing.get(runId)?.run;
    const metadata = { "weft-run": runId, "weft-step": step };
    const traceparent = run?.traceparent ?? undefined;
    const caller = run?.caller ?? undefined;
    const app = this.options.app;
    if (caller === undefined) {
      return app.client(contract, {
        admitted: true,
        metadata,
        ...(traceparent === undefined ? {} : { traceparent }),
      });
    }
    // The run was started by a service's handler: its steps' calls are that service's work, in
    // the trace of the call that started the run (a trace and a topology that show who called).
    const client: Record<string, unknown> = {};
    for (const method of Object.keys(contract.methods)) {
      client[method] = (input: unknown, callOptions?: CallOptions) =>
        app.perform(
          caller,
          `step ${step}`,
          (ctx) =>
            (
              ctx.client(contract) as Record<
                string,
                (i: unknown, o?: CallOptions) => Promise<unknown>
              >
            )[method]?.(input, callOptions) as Promise<unknown>,
          { admitted: true, metadata, ...(traceparent === undefined ? {} : { traceparent }) },
        );
    }
    return client as Client<C>;
  }

  stepTransaction<T>(
    runId: string,
    seq: number,
    index: number,
    fn: (tx: TxHandle) => Promise<T>,
  ): Promise<T> {
    return this.options.transaction(async (tx) => {
      const rows = await tx.query<{ output: string | null }>(sql`
        select output from weft_step_tx where run_id = ${runId} and seq = ${seq} and tx = ${index}`);
      if (rows[0] !== undefined)
        return decodeJson(rows[0].output, `run ${runId} step #${seq} tx ${index}`) as T;
      const value = await fn(stepTxHandle(tx, runId, seq, index));
      await tx.execute(sql`
        insert into weft_step_tx (run_id, seq, tx, output)
        values (${runId}, ${seq}, ${index}, ${encodeJson(value, "transaction result")})`);
      return value;
    });
  }

  async startChild(
    workflow: AnyWorkflow,
    input: unknown,
    id: string,
    parentId: string,
  ): Promise<void> {
    await this.startRun(workflow, input, { id, parentId });
  }

  uuid(): string {
    return newId();
  }
}
