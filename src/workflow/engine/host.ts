/**
 * What one execution needs from its engine: the journal, the clock, clients, and the owner id
 * that fences its writes.
 */
import type { AnyContract, Client, Logger, TopicLike } from "../../core/index.js";
import type { Published, PublishOptions } from "../../events/publish.js";
import type { TxHandle } from "../../store/tx-handle.js";
import type { AnyWorkflow } from "../authoring/types.js";
import type { Journal } from "./journal.js";

/** Time as the engine sees it (a fake clock in tests skips durable sleeps). */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Tells the engine when the time jumps (a fake clock advanced), so timers due now fire. */
  onAdvance?(listener: () => void): void;
}

/** The engine, as an execution sees it. */
export interface ExecutionHost {
  readonly owner: string;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A client whose calls belong to in-flight work (served while the app drains). */
  client<C extends AnyContract>(contract: C, runId: string, step: string): Client<C>;
  /** Runs `fn` in a transaction whose result is recorded under (run, seq, index), or returns the recorded one. */
  stepTransaction<T>(
    runId: string,
    seq: number,
    index: number,
    fn: (tx: TxHandle) => Promise<T>,
  ): Promise<T>;
  /** Publishes an event with an id derived from (run, seq, index): once however often re-run. */
  publish(
    runId: string,
    seq: number,
    index: number,
    topic: TopicLike,
    event: unknown,
    options: PublishOptions | undefined,
  ): Promise<Published>;
  /** Starts a child run (idempotent by id). */
  startChild(workflow: AnyWorkflow, input: unknown, id: string, parentId: string): Promise<void>;
  /** A new UUIDv7. */
  uuid(): string;
}
