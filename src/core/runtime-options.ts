/**
 * What the call path of one app is made from: its options, fixed at start, and the options of work
 * performed outside any method call.
 */

import type { PerformOptions } from "./app-types.js";
import type { Codec } from "./codec.js";
import type { ExtensionKey } from "./context.js";
import type { ServiceImplementation } from "./contract.js";
import type { Middleware } from "./handler.js";
import type { Logger } from "./logger.js";
import type { CallObserver } from "./observer.js";
import type { Transport } from "./transport.js";

export type { PerformOptions };

/** Whether the app takes calls. */
export type Intake = "closed" | "open" | "draining";

/** Everything the call path needs, fixed at start. */
export interface RuntimeOptions {
  readonly app: string;
  readonly logger: Logger;
  readonly codec: Codec;
  readonly maxPayload: number;
  readonly principalKey: string | undefined;
  readonly callTimeoutMs: number;
  /** Longest deadline of a call made or served: longer ones are cut to it. */
  readonly maxCallTimeoutMs: number;
  readonly validateOutput: boolean;
  /** Implementations of the services this process runs. */
  readonly local: readonly ServiceImplementation[];
  readonly localTransport: Transport;
  /** Local calls are plain function calls (not serialized). */
  readonly directLocal: boolean;
  /** Transport to services of other groups; undefined in one process. */
  readonly remoteTransport: Transport | undefined;
  readonly serverMiddleware: readonly Middleware[];
  /** Finds what extensions provide (see `ctx.use`). */
  readonly provided: (key: ExtensionKey<unknown>) => unknown;
  /** Client middleware on every outgoing call. */
  readonly clientMiddleware: readonly Middleware[];
  /**
   * Client middleware on calls that leave the process only (retries, circuit breaking): a call
   * inside the process cannot fail for network reasons.
   */
  readonly remoteMiddleware: readonly Middleware[];
  /** Told about every span (calls made and served, work performed). Default none. */
  readonly observer?: CallObserver | undefined;
}
