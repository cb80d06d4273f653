/**
 * Weft: TypeScript services that start as one process and split into many by configuration.
 *
 * This entry holds what an app author writes code against: defining services, apps and topics,
 * `createApp` with production defaults, the error helpers, the logger, and the types of the call
 * context. Everything else lives in subpaths: drivers and tools (`weft/store/*`,
 * `weft/transport/nats`, `weft/workflow`, `weft/resilience`, `weft/gateway`, `weft/observe`,
 * `weft/testing`, `weft/cli`, …) and the plumbing for transport and extension authors
 * (`weft/spi`). The README's "Imports" section lists them all.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { createApp, defineApp, defineService, method, notFound } from "weft";
 *
 * const greeter = defineService("greeter", {
 *   hello: method({ input: z.object({ name: z.string() }), output: z.string(), idempotent: true }),
 * });
 * const app = createApp(defineApp({
 *   name: "hello",
 *   services: [greeter.implement({
 *     async hello(_ctx, { name }) {
 *       if (name === "") throw notFound("NAME_EMPTY", "name: must not be empty");
 *       return `hello ${name}`;
 *     },
 *   })],
 * }));
 * await app.start();
 * console.log(await app.client(greeter).hello({ name: "Ada" }));
 * await app.stop();
 * ```
 */

// Types an app author meets: the call context, schemas, observers, durations.
export type {
  CallContext,
  CallObserver,
  Duration,
  DurationUnit,
  ExtensionKey,
  FinishedSpan,
  InferIn,
  InferOut,
  Placement,
  Principal,
  Schema,
  SpanKind,
  StandardSchemaV1,
} from "./core/index.js";
// Apps, contracts, middleware, configuration, logging, and the one error type with its
// constructors and predicates.
export {
  type AnyContract,
  type App,
  type AppDefinition,
  type AppDescription,
  type AppHooks,
  type AppOptions,
  type AppSpec,
  type AppState,
  aborted,
  alreadyExists,
  type CallOptions,
  type Client,
  type ClientMethod,
  ConfigError,
  type ConfigInput,
  cancelled,
  chain,
  createLogger,
  dataLoss,
  deadlineExceeded,
  defineApp,
  defineService,
  ERROR_CODES,
  type ErrorCode,
  type ErrorOptions,
  type FieldIssue,
  failedPrecondition,
  type Handler,
  type Implementation,
  type ImplementOptions,
  internal,
  invalidArgument,
  isAborted,
  isAlreadyExists,
  isCancelled,
  isDataLoss,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInternal,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isResourceExhausted,
  isUnauthenticated,
  isUnavailable,
  isWeftError,
  type LogFn,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type MethodHandler,
  type MethodMap,
  type MethodOptions,
  type MethodSpec,
  type Middleware,
  method,
  normalizeError,
  notFound,
  permissionDenied,
  type RootCallOptions,
  resourceExhausted,
  type ServiceContract,
  type ServiceImplementation,
  type StopOptions,
  type StopReport,
  unauthenticated,
  unavailable,
  unimplemented,
  type WeftConfig,
  WeftError,
  type WorkflowLike,
} from "./core/index.js";
// `createApp` with production defaults (retries, circuit breaker, NATS, store, workflows, events).
export { createApp, type WeftAppOptions } from "./create-app.js";
// Events: topics, subscriptions and the events client.
export type {
  DeadLetter,
  DeadLetterFilter,
  DeliveryCounts,
  EventRetention,
  EventsOptions,
} from "./events/index.js";
export {
  type AnyTopic,
  type ConsumerStats,
  defineTopic,
  type EventHandler,
  type EventInfo,
  type EventOf,
  type EventRetry,
  type EventStats,
  type EventsClient,
  events,
  type SubscribeOptions,
  type Subscription,
  subscribe,
  type Topic,
} from "./events/index.js";
export type { Published, PublishOptions } from "./events/publish.js";
export type { SqlStatement, TxHandle } from "./store/tx-handle.js";
