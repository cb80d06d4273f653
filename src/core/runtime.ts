/**
 * The call path of one app: the caller side (deadline, cancellation, client middleware, routing to
 * a transport) and the callee side (intake control, server middleware, validation, error
 * normalization, in-flight tracking for drain).
 */
import { type ClientTarget, makeClient, type RootScope } from "./client.js";
import type { Codec } from "./codec.js";
import type { CallContext } from "./context.js";
import type {
  AnyContract,
  CallOptions,
  Client,
  MethodMap,
  ServiceImplementation,
} from "./contract.js";
import { toMilliseconds } from "./duration.js";
import {
  cancelled,
  deadlineExceeded,
  isWeftError,
  normalizeError,
  unavailable,
  unimplemented,
  type WeftError,
} from "./errors.js";
import { chain, type Handler, type Middleware } from "./handler.js";
import { type ContextRuntime, LiveContext } from "./live-context.js";
import type { Logger } from "./logger.js";
import { validate } from "./schema.js";
import { childTrace, newTrace, parseTraceparent } from "./trace-context.js";
import type { CallHeaders, Transport, TransportHost } from "./transport.js";

/** Whether the app takes calls. */
export type Intake = "closed" | "open" | "draining";

/** Everything the call path needs, fixed at start. */
export interface RuntimeOptions {
  readonly app: string;
  readonly logger: Logger;
  readonly codec: Codec;
  readonly maxPayload: number;
  readonly callTimeoutMs: number;
  readonly validateOutput: boolean;
  /** Implementations of the services this process runs. */
  readonly local: readonly ServiceImplementation[];
  readonly localTransport: Transport;
  /** Transport to services of other groups; undefined in one process. */
  readonly remoteTransport: Transport | undefined;
  readonly serverMiddleware: readonly Middleware[];
  readonly clientMiddleware: readonly Middleware[];
}

/** The call path of one app. */
export class Runtime implements ContextRuntime, ClientTarget, TransportHost {
  readonly app: string;
  readonly logger: Logger;
  readonly codec: Codec;
  readonly maxPayload: number;
  intake: Intake = "closed";
  /** Calls being served now. */
  readonly inflight = new Set<LiveContext>();
  private onIdle: (() => void) | undefined;
  private readonly table = new Map<string, Map<string, Handler>>();
  private readonly routes = new Map<string, Handler>();

  constructor(private readonly options: RuntimeOptions) {
    this.app = options.app;
    this.logger = options.logger;
    this.codec = options.codec;
    this.maxPayload = options.maxPayload;
    for (const impl of options.local) this.table.set(impl.contract.name, this.compile(impl));
  }

  /** Builds the callee-side handler of each method: middleware, then validation and the code. */
  private compile(impl: ServiceImplementation): Map<string, Handler> {
    const methods = new Map<string, Handler>();
    const wrap = chain(...this.options.serverMiddleware, ...impl.middleware);
    const service = impl.contract.name;
    const validateOutput = this.options.validateOutput;
    for (const [name, spec] of Object.entries(impl.contract.methods as MethodMap)) {
      const fn = (impl.handlers as Record<string, Handler>)[name] as Handler;
      const code = fn.bind(impl.handlers);
      const inputRule = {
        code: "INVALID_ARGUMENT",
        reason: "INPUT_INVALID",
        subject: `input of ${service}.${name}`,
      } as const;
      const outputRule = {
        code: "INTERNAL",
        reason: "OUTPUT_INVALID",
        subject: `output of ${service}.${name}`,
      } as const;
      const innermost: Handler = async (ctx, input) => {
        const valid = await validate(spec.input, input, inputRule);
        const output = await code(ctx, valid);
        // Outputs are checked, never transformed, so every mode returns the same value.
        if (validateOutput) await validate(spec.output, output, outputRule);
        return output;
      };
      methods.set(name, wrap(innermost));
    }
    return methods;
  }

  client<C extends AnyContract>(
    contract: C,
    parent: LiveContext | undefined,
    scope?: RootScope,
  ): Client<C> {
    return makeClient(contract, this, parent, scope);
  }

  /** Resolves when no call is in flight. */
  idle(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.onIdle = resolve;
    });
  }

  invoke(
    parent: LiveContext | undefined,
    scope: RootScope | undefined,
    service: string,
    method: string,
    idempotent: boolean,
    input: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const now = Date.now();
    let deadline = parent === undefined ? Number.POSITIVE_INFINITY : parent.deadline;
    let timeout = this.options.callTimeoutMs;
    if (options?.timeout !== undefined) {
      try {
        timeout = toMilliseconds(options.timeout, "timeout");
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (now + timeout < deadline) deadline = now + timeout;
    const base = parent?.metadata ?? scope?.metadata ?? {};
    const metadata = options?.metadata === undefined ? base : { ...base, ...options.metadata };
    const callerTrace = parent?.trace ?? parseTraceparent(scope?.traceparent);
    const trace = callerTrace === undefined ? newTrace() : childTrace(callerTrace);
    const principal = parent === undefined ? scope?.principal : parent.principal;
    const ctx = new LiveContext(
      this,
      service,
      method,
      idempotent,
      deadline,
      metadata,
      principal,
      trace,
      parent,
      parent !== undefined,
    );
    if (deadline <= now) {
      return Promise.reject(
        deadlineExceeded(
          "DEADLINE_EXCEEDED",
          `${service}.${method}: the deadline passed before the call was sent`,
        ),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      return Promise.reject(
        cancelled("CALL_CANCELLED", `${service}.${method}: cancelled before it was sent`),
      );
    }
    return this.send(ctx, input, signal);
  }

  private route(service: string): Handler {
    let route = this.routes.get(service);
    if (route !== undefined) return route;
    const transport = this.table.has(service)
      ? this.options.localTransport
      : this.options.remoteTransport;
    const send: Handler =
      transport === undefined
        ? () =>
            Promise.reject(
              unavailable(
                "NO_RESPONDERS",
                `service ${service} does not run in this process and no remote transport is configured`,
                { metadata: { service } },
              ),
            )
        : (ctx, input) => transport.call(ctx, input);
    route = chain(...this.options.clientMiddleware)(send);
    this.routes.set(service, route);
    return route;
  }

  private send(
    ctx: LiveContext,
    input: unknown,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const route = this.route(ctx.service);
    const parent = ctx.parent;
    parent?.adopt(ctx);
    return new Promise((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        const reason = cancelled(
          "CALL_CANCELLED",
          `${ctx.service}.${ctx.method}: cancelled by the caller`,
          {
            mayHaveRun: true,
          },
        );
        fail(reason);
      };
      const timer = setTimeout(() => {
        if (settled) return;
        fail(
          deadlineExceeded(
            "DEADLINE_EXCEEDED",
            `${ctx.service}.${ctx.method}: no answer before the deadline`,
            {
              mayHaveRun: true,
            },
          ),
        );
      }, ctx.deadline - Date.now());
      const finish = () => {
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        parent?.release(ctx);
      };
      const fail = (reason: WeftError) => {
        finish();
        ctx.abort(reason);
        reject(reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const parentAbort = parent?.aborted;
      if (parentAbort !== undefined) {
        fail(parentAbort);
        return;
      }
      route(ctx, input).then(
        (value) => {
          if (settled) return;
          finish();
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          finish();
          reject(normalizeError(error));
        },
      );
    });
  }

  accept(
    headers: CallHeaders,
    input: unknown,
    options: { nested?: boolean; signal?: AbortSignal } = {},
  ): Promise<unknown> {
    const now = Date.now();
    const deadline =
      headers.timeoutMs === undefined ? Number.POSITIVE_INFINITY : now + headers.timeoutMs;
    const caller = parseTraceparent(headers.traceparent);
    const trace = caller === undefined ? newTrace() : childTrace(caller);
    const ctx = new LiveContext(
      this,
      headers.service,
      headers.method,
      false,
      deadline,
      headers.metadata,
      headers.principal,
      trace,
      undefined,
      options.nested === true,
    );
    // The caller's timer is in another context or process: abort at the deadline here too.
    const timer = Number.isFinite(deadline)
      ? setTimeout(
          () =>
            ctx.abort(
              deadlineExceeded(
                "DEADLINE_EXCEEDED",
                `${ctx.service}.${ctx.method}: deadline passed`,
              ),
            ),
          deadline - now,
        )
      : undefined;
    const onAbort = () => ctx.abort(normalizeError(options.signal?.reason));
    options.signal?.addEventListener("abort", onAbort, { once: true });
    return this.dispatch(ctx, input).finally(() => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
    });
  }

  async dispatch(ctx: CallContext, input: unknown): Promise<unknown> {
    const live = ctx as LiveContext;
    if (this.intake !== "open" && !(this.intake === "draining" && live.nested)) {
      throw unavailable(
        this.intake === "draining" ? "DRAINING" : "NOT_RUNNING",
        `app ${this.app} is ${this.intake === "draining" ? "shutting down" : "not running"}; ${ctx.service}.${ctx.method} was not run`,
      );
    }
    const handler = this.table.get(ctx.service)?.get(ctx.method);
    if (handler === undefined) {
      throw this.table.has(ctx.service)
        ? unimplemented("UNKNOWN_METHOD", `service ${ctx.service} has no method ${ctx.method}`)
        : unavailable("NO_RESPONDERS", `service ${ctx.service} does not run in this process`);
    }
    this.inflight.add(live);
    try {
      return await handler(ctx, input);
    } catch (error) {
      if (!isWeftError(error) || error.cause !== undefined) {
        ctx.logger.error(
          { err: isWeftError(error) ? error.cause : error },
          `${ctx.service}.${ctx.method} failed`,
        );
      }
      throw normalizeError(error);
    } finally {
      this.inflight.delete(live);
      if (this.inflight.size === 0 && this.onIdle !== undefined) {
        const resolve = this.onIdle;
        this.onIdle = undefined;
        resolve();
      }
    }
  }
}
