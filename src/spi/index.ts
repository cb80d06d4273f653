/**
 * `weft/spi`: the plumbing for people who extend Weft — transport authors (wire headers, the error
 * wire format, trace context, principal tokens, payload accounting, spans), extension authors
 * (extension keys, members added to every call context, the publisher and transactor seams,
 * configuration slices and their resolution)
 * and tools (the known variables, event stream and subject names). An app needs none of it: its API is `weft`.
 *
 * These names are stable enough to build on, but they follow the runtime's needs more closely than
 * the root API does; a change to them is called out in CHANGELOG.md.
 *
 * @example
 * ```ts
 * import { callHeaders, errorFromWire, errorToWire } from "weft/spi";
 *
 * // A transport sends the call context as headers and errors in their wire form:
 * const headers = callHeaders(ctx);
 * const reply = { error: errorToWire(thrown) }; // any throwable, normalized
 * // …and the caller's side rebuilds the same Weft error:
 * throw errorFromWire(reply.error);
 * ```
 */

export {
  type AbortListener,
  type AppExtension,
  abortReason,
  type CallHeaders,
  type CancelHandle,
  type Codec,
  type ConfigSlice,
  type ConfigSources,
  type ConfigValues,
  type ConfigVariable,
  type ConfigVariables,
  type ContextMembers,
  callHeaders,
  childTrace,
  DEFAULT_GROUP,
  defineConfigSlice,
  defineContextMember,
  describeVariables,
  errorFromWire,
  errorToWire,
  extensionKey,
  formatPath,
  formatTraceparent,
  givenValues,
  type InvalidValue,
  invalid,
  isErrorCode,
  isLoopback,
  isNestedCall,
  isRetryableByDefault,
  isServiceContract,
  isStandardSchema,
  jsonCodec,
  knownVariables,
  LOG_LEVELS,
  newTrace,
  notePayloadBytes,
  type PerformOptions,
  parseTraceparent,
  REDACTED_PATHS,
  type RuntimeEnv,
  reportSpan,
  resolveConfig,
  resolvePlacement,
  type SliceContext,
  type SubscriptionLike,
  saysWhetherItRan,
  signPrincipal,
  stopWhenAborted,
  type TopicLike,
  type TraceContext,
  type Transport,
  type TransportHost,
  toMilliseconds,
  validate,
  verifyPrincipal,
  type WireError,
  whenAborted,
} from "../core/index.js";
export {
  type Consumer,
  consumerName,
  durableName,
  EVENTS,
  type EventBroker,
  type EventEnvelope,
  type EventsExtension,
  eventSubject,
  eventsExtension,
  isSubscription,
  isTopic,
  type Outcome,
  type RelayOptions,
  streamName,
} from "../events/index.js";
export { PUBLISHER, type Publisher } from "../events/publish.js";
export { TRANSACTOR, type Transactor } from "../store/tx-handle.js";
