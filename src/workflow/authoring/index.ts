/**
 * The workflow authoring API: deterministic code only (no Node built-ins here, enforced by lint).
 */
export { defineWorkflow, type WorkflowOptions } from "./define.js";
export type {
  AnyWorkflow,
  ChildOptions,
  QueueOptions,
  ScheduleOptions,
  SignalOptions,
  StepContext,
  StepOptions,
  StepRetry,
  WorkflowCallOptions,
  WorkflowContext,
  WorkflowDefinition,
} from "./types.js";
