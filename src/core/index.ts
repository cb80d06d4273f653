/**
 * Weft's core: contracts, handlers and middleware, call context, errors, codec, config, placement
 * and the app lifecycle. It imports no driver: NATS, SQL and HTTP live in their own subpaths.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { createApp, defineApp, defineService, method } from "weft";
 *
 * const greeter = defineService("greeter", {
 *   hello: method({ input: z.object({ name: z.string() }), output: z.string(), idempotent: true }),
 * });
 * const app = createApp(defineApp({
 *   name: "hello",
 *   services: [greeter.implement({ async hello(_ctx, { name }) { return `hello ${name}`; } })],
 * }));
 * await app.start();
 * console.log(await app.client(greeter).hello({ name: "Ada" }));
 * await app.stop();
 * ```
 */

export {
  type AbortListener,
  abortReason,
  stopWhenAborted,
  whenAborted,
} from "./abort-listeners.js";
export {
  type App,
  type AppDefinition,
  type AppDescription,
  type AppExtension,
  type AppHooks,
  type AppOptions,
  type AppSpec,
  type AppState,
  createApp,
  defineApp,
  type RootCallOptions,
  type StopOptions,
  type StopReport,
  type WorkflowLike,
} from "./app.js";
export { type Codec, jsonCodec } from "./codec.js";
export {
  ConfigError,
  type ConfigInput,
  type ConfigSources,
  describeVariables,
  givenValues,
  isLoopback,
  knownVariables,
  type RuntimeEnv,
  resolveConfig,
  type WeftConfig,
} from "./config.js";
export {
  type ConfigSlice,
  type ConfigValues,
  type ConfigVariable,
  type ConfigVariables,
  defineConfigSlice,
  type InvalidValue,
  invalid,
  type SliceContext,
} from "./config-slice.js";
export {
  type CallContext,
  type ContextMembers,
  type ExtensionKey,
  extensionKey,
  type Principal,
  type TopicLike,
} from "./context.js";
export {
  type AnyContract,
  type CallOptions,
  type Client,
  type ClientMethod,
  defineService,
  type Implementation,
  type ImplementOptions,
  isServiceContract,
  type MethodHandler,
  type MethodMap,
  type MethodOptions,
  type MethodSpec,
  method,
  type ServiceContract,
  type ServiceImplementation,
  type SubscriptionLike,
} from "./contract.js";
export { type Duration, type DurationUnit, toMilliseconds } from "./duration.js";
export { ERROR_CODES, type ErrorCode, isErrorCode, isRetryableByDefault } from "./error-codes.js";
export { errorFromWire, errorToWire, type WireError } from "./error-wire.js";
export * from "./errors.js";
export { chain, type Handler, type Middleware } from "./handler.js";
export { defineContextMember, notePayloadBytes } from "./live-context.js";
export {
  createLogger,
  LOG_LEVELS,
  type LogFn,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  REDACTED_PATHS,
} from "./logger.js";
export {
  type CallObserver,
  type FinishedSpan,
  reportSpan,
  type SpanKind,
} from "./observer.js";
export { DEFAULT_GROUP, type Placement, resolvePlacement } from "./placement.js";
export { signPrincipal, verifyPrincipal } from "./principal-token.js";
export type { PerformOptions } from "./runtime.js";
export {
  type InferIn,
  type InferOut,
  isStandardSchema,
  type Schema,
  type StandardSchemaV1,
  validate,
} from "./schema.js";
export {
  childTrace,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from "./trace-context.js";
export {
  type CallHeaders,
  type CancelHandle,
  callHeaders,
  isNestedCall,
  type Transport,
  type TransportHost,
} from "./transport.js";
