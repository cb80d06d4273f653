/**
 * Durable workflows and sagas (`weft/workflow`). Steps are checkpointed in the app's store
 * (SQLite by default, PostgreSQL with `WEFT_DATABASE_URL`); a crash, deploy or kill -9 resumes a
 * run where it stopped. Compensations run in reverse order when a run fails.
 *
 * @example
 * ```ts
 * import { defineWorkflow, workflows } from "weft/workflow";
 *
 * export const checkout = defineWorkflow("checkout", { input: Order, output: Receipt }, async (wf, o) => {
 *   const charge = await wf.step("charge", (ctx) => ctx.client(payment).charge(o.payment), {
 *     compensate: (ctx, c) => ctx.client(payment).refund({ transactionId: c.transactionId }),
 *   });
 *   await wf.sleep("cool-off", "10s");
 *   return { transactionId: charge.transactionId };
 * });
 * // defineApp({ ..., workflows: [checkout] });  then, in a handler:
 * const { id } = await workflows(ctx).start(checkout, order, { id: order.id });
 * ```
 */
export * from "./authoring/index.js";
export { type StartOptions, WORKFLOWS, type WorkflowClient, workflows } from "./client.js";
export type { RunOutcome } from "./engine/engine.js";
export type { Clock } from "./engine/host.js";
export type { RunDetails, RunFilter, RunSummary, StepRecord } from "./engine/manage.js";
export { FINAL_STATUSES, RUN_STATUSES, type RunStatus } from "./engine/schema.js";
