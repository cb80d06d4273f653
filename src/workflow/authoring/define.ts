/**
 * Declares a workflow: a name, input and output schemas, and the function that runs it.
 *
 * @example
 * ```ts
 * export const checkout = defineWorkflow("checkout", { input: Order, output: Receipt }, async (wf, order) => {
 *   const charge = await wf.step("charge", (ctx) => ctx.client(payment).charge(order.payment), {
 *     compensate: (ctx, c) => ctx.client(payment).refund({ chargeId: c.id }),
 *   });
 *   await wf.sleep("cool-off", "10s");
 *   return { chargeId: charge.id };
 * });
 * ```
 */

import type { InferIn, InferOut } from "../../core/index.js";
import { invalidArgument, isStandardSchema, type StandardSchemaV1 } from "../../core/index.js";
import type {
  QueueOptions,
  ScheduleOptions,
  WorkflowContext,
  WorkflowDefinition,
} from "./types.js";

/** Options of {@link defineWorkflow}. */
export interface WorkflowOptions<I extends StandardSchemaV1, O extends StandardSchemaV1> {
  readonly input: I;
  readonly output: O;
  /** Recorded with each run. Default `"1"`. */
  readonly version?: string;
  /** Run through a queue with concurrency and rate limits. */
  readonly queue?: QueueOptions;
  /** Start a run on a cron schedule (once per fire time across every worker). */
  readonly schedule?: ScheduleOptions;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Declares a workflow. Names use letters, digits, `.`, `-` and `_`. */
export function defineWorkflow<I extends StandardSchemaV1, O extends StandardSchemaV1>(
  name: string,
  options: WorkflowOptions<I, O>,
  run: (wf: WorkflowContext, input: InferOut<I>) => Promise<InferIn<O>>,
): WorkflowDefinition<I, O> {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalidArgument(
      "INVALID_NAME",
      `workflow name ${JSON.stringify(name)} must match ${NAME}`,
    );
  }
  for (const field of ["input", "output"] as const) {
    if (!isStandardSchema(options?.[field])) {
      throw invalidArgument(
        "INVALID_SCHEMA",
        `workflow ${name}: ${field} must be a Standard Schema`,
      );
    }
  }
  if (typeof run !== "function")
    throw invalidArgument("INVALID_WORKFLOW", `workflow ${name} needs a function`);
  const queue = options.queue;
  if (
    queue !== undefined &&
    (!NAME.test(queue.name) || (queue.concurrency ?? 1) < 1 || (queue.perSecond ?? 1) <= 0)
  ) {
    throw invalidArgument(
      "INVALID_QUEUE",
      `workflow ${name}: queue needs a name, concurrency >= 1 and perSecond > 0`,
    );
  }
  return Object.freeze({
    kind: "weft.workflow",
    name,
    version: options.version ?? "1",
    input: options.input,
    output: options.output,
    queue,
    schedule: options.schedule,
    run,
  });
}
