/**
 * The call path of one app: the caller side (deadline, cancellation, client middleware, routing to
 * a transport), work performed outside any method call (`app.perform`), and what contexts ask of
 * the app (`ctx.use`), on top of the callee side ({@link ServingRuntime}).
 */

import { noteCallFailure } from "./call-failure.js";
import {
  type CallOrigin,
  type ClientTarget,
  type MethodSite,
  makeClient,
  makeRootClient,
  type RootScope,
} from "./client.js";
import type { CallContext, ExtensionKey } from "./context.js";
import type { AnyContract, CallOptions, Client } from "./contract.js";
import { toMilliseconds } from "./duration.js";
import {
  cancelled,
  deadlineExceeded,
  failedPrecondition,
  normalizeError,
  unavailable,
  type WeftError,
} from "./errors.js";
import { chain, type Handler } from "./handler.js";
import { LiveContext } from "./live-context.js";
import { reportSpan, TIME_ORIGIN } from "./observer.js";
import { OutgoingCall } from "./outgoing-call.js";
import type { PerformOptions } from "./runtime-options.js";
import { ServingRuntime } from "./serving-runtime.js";

export type { Intake, PerformOptions, RuntimeOptions } from "./runtime-options.js";

/** The call path of one app. */
export class Runtime extends ServingRuntime implements ClientTarget {
  private readonly routes = new Map<string, Handler>();

  client<C extends AnyContract>(contract: C, parent: LiveContext): Client<C> {
    return makeClient(contract, this, parent);
  }

  /** A client for calls from outside any handler (`app.client`). */
  rootClient<C extends AnyContract>(contract: C, scope: RootScope): Client<C> {
    return makeRootClient(contract, this, scope);
  }

  use<T>(key: ExtensionKey<T>): T {
    const value = this.options.provided(key);
    if (value === undefined) {
      throw failedPrecondition(
        "EXTENSION_MISSING",
        `app ${this.app} provides no ${key.name} (is it configured in defineApp?)`,
        { metadata: { key: key.name } },
      );
    }
    return value as T;
  }

  invoke(
    origin: CallOrigin,
    site: MethodSite,
    input: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown> {
    const { parent, scope } = origin;
    const { service, method } = site;
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
    if (timeout > this.options.maxCallTimeoutMs) timeout = this.options.maxCallTimeoutMs;
    if (now + timeout < deadline) deadline = now + timeout;
    const base = parent === undefined ? (scope?.metadata ?? {}) : parent.metadata;
    const metadata = options?.metadata === undefined ? base : { ...base, ...options.metadata };
    const ctx = new LiveContext(this, {
      service,
      method,
      idempotent: site.idempotent,
      deadline,
      metadata,
      principal: parent === undefined ? scope?.principal : parent.principal,
      traceparent: parent === undefined ? scope?.traceparent : undefined,
      parent,
      nested: parent !== undefined || scope?.admitted === true,
    });
    if (deadline <= now) {
      return this.unsent(
        ctx,
        deadlineExceeded(
          "DEADLINE_EXCEEDED",
          `${service}.${method}: the deadline passed before the call was sent`,
        ),
      );
    }
    const signal = options?.signal;
    if (signal?.aborted) {
      return this.unsent(
        ctx,
        cancelled("CALL_CANCELLED", `${service}.${method}: cancelled before it was sent`),
      );
    }
    if (parent?.aborted !== undefined) return this.unsent(ctx, parent.aborted);
    const call = new OutgoingCall(ctx, this.deadlines, signal);
    // A plain in-process call with no client middleware skips the transport layer entirely.
    if (this.direct.has(service)) {
      ctx.direct = true;
      if (this.observer !== undefined) call.observe(this.observer, false);
      return call.runDirect(this, input);
    }
    if (this.observer !== undefined) call.observe(this.observer, !this.services.has(service));
    return call.run(this.route(service), input);
  }

  /** A call refused before it was sent: its client span (zero long) records why. */
  private unsent(ctx: LiveContext, error: WeftError): Promise<never> {
    if (this.observer !== undefined) {
      const t = ctx.callTrace;
      reportSpan(this.observer, {
        kind: "client",
        app: this.app,
        service: ctx.service,
        method: ctx.method,
        traceId: t.traceId,
        spanId: t.spanId,
        parentSpanId: t.parentSpanId,
        caller: ctx.parent?.service,
        startTime: TIME_ORIGIN + performance.now(),
        durationMs: 0,
        error,
        remote: false,
        bytes: undefined,
      });
    }
    return Promise.reject(noteCallFailure(error, ctx));
  }

  private route(service: string): Handler {
    let route = this.routes.get(service);
    if (route !== undefined) return route;
    const local = this.services.has(service);
    const transport = local ? this.options.localTransport : this.options.remoteTransport;
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
        : local
          ? (ctx, input) => {
              this.localSends += 1;
              try {
                return transport.call(ctx, input);
              } finally {
                this.localSends -= 1;
              }
            }
          : (ctx, input) => transport.call(ctx, input);
    const middleware = local
      ? this.options.clientMiddleware
      : [...this.options.remoteMiddleware, ...this.options.clientMiddleware];
    route = chain(...middleware)(send);
    this.routes.set(service, route);
    return route;
  }

  /**
   * Runs work that belongs to a local service but is not a method call (an event handler) as a
   * served call: refused when intake is closed (or draining, unless `admitted`), counted in
   * flight for drain, aborted at its deadline, with a full context for `fn`.
   */
  perform<T>(
    service: string,
    operation: string,
    fn: (ctx: CallContext) => Promise<T>,
    options: PerformOptions = {},
  ): Promise<T> {
    if (this.intake !== "open" && !(this.intake === "draining" && options.admitted === true)) {
      return Promise.reject(
        unavailable(
          this.intake === "draining" ? "DRAINING" : "NOT_RUNNING",
          `app ${this.app} is ${this.intake === "draining" ? "shutting down" : "not running"}; ${service} ${operation} was not run`,
        ),
      );
    }
    const deadline = Date.now() + (options.timeoutMs ?? this.options.callTimeoutMs);
    const ctx = new LiveContext(this, {
      service,
      method: operation,
      idempotent: false,
      deadline,
      metadata: options.metadata ?? {},
      principal: options.principal,
      traceparent: options.traceparent,
      nested: options.admitted === true,
    });
    ctx.ran = true;
    if (this.observer !== undefined) {
      ctx.span = {
        startedAt: performance.now(),
        kind: "internal",
        remote: false,
        bytes: undefined,
      };
    }
    const entry = this.watchDeadline(ctx, `${service} ${operation}`);
    this.inflight.add(ctx);
    let running: Promise<T>;
    try {
      running = fn(ctx);
    } catch (thrown) {
      running = Promise.reject(thrown);
    }
    return running.then(
      (value) => {
        this.deadlines.remove(entry);
        this.served(ctx);
        return value;
      },
      (thrown: unknown) => {
        this.deadlines.remove(entry);
        this.served(ctx, this.observer === undefined ? undefined : normalizeError(thrown));
        throw thrown;
      },
    );
  }
}
