/**
 * Service contracts are values: a name and typed methods with input and output schemas. The
 * contract's type is the client's type; `contract.implement(...)` is type-checked against it.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { defineService, method, notFound } from "weft";
 *
 * export const catalog = defineService("catalog", {
 *   get: method({ input: z.object({ id: z.string() }), output: Product, idempotent: true }),
 * });
 * export const catalogImpl = catalog.implement({
 *   async get(ctx, { id }) {
 *     const p = products.get(id);
 *     if (!p) throw notFound("PRODUCT_NOT_FOUND", `no product ${id}`, { metadata: { id } });
 *     return p;
 *   },
 * });
 * // elsewhere: const p = await ctx.client(catalog).get({ id: "p1" });
 * ```
 */
import type { AppExtension, RootCallOptions } from "./app-types.js";
import type { CallContext, TopicLike } from "./context.js";
import type { Duration } from "./duration.js";
import { invalidArgument } from "./errors.js";
import type { Middleware } from "./handler.js";
import { type InferIn, type InferOut, isStandardSchema, type StandardSchemaV1 } from "./schema.js";

/** One method of a contract. */
export interface MethodSpec<
  I extends StandardSchemaV1 = StandardSchemaV1,
  O extends StandardSchemaV1 = StandardSchemaV1,
> {
  /** Validates the input at the callee. */
  readonly input: I;
  /** Describes the output; validated at the callee in development and test. */
  readonly output: O;
  /** True when running the method twice has the effect of running it once: retries allowed. */
  readonly idempotent: boolean;
  /** One line for docs and OpenAPI. */
  readonly description: string | undefined;
}

/** Options of {@link method}. */
export interface MethodOptions<I extends StandardSchemaV1, O extends StandardSchemaV1> {
  input: I;
  output: O;
  /** Safe to retry (running twice = running once). Default false: at most once. */
  idempotent?: boolean;
  description?: string;
}

/** The methods of a contract, by name. */
// biome-ignore lint/suspicious/noExplicitAny: each method has its own schemas.
export type MethodMap = { readonly [name: string]: MethodSpec<any, any> };

const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

function checkName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== "string" || !NAME.test(name)) {
    throw invalidArgument(
      "INVALID_NAME",
      `${kind} name ${JSON.stringify(name)} must start with a letter and contain only letters, digits, "-" and "_"`,
      { issues: [{ path: [kind], message: "must match /^[A-Za-z][A-Za-z0-9_-]*$/" }] },
    );
  }
}

/** Declares one method of a contract. Input and output may be any Standard Schema. */
export function method<I extends StandardSchemaV1, O extends StandardSchemaV1>(
  options: MethodOptions<I, O>,
): MethodSpec<I, O> {
  for (const field of ["input", "output"] as const) {
    if (!isStandardSchema(options?.[field])) {
      throw invalidArgument(
        "INVALID_SCHEMA",
        `method ${field} must be a Standard Schema (zod, valibot, arktype, …)`,
        { issues: [{ path: [field], message: "must implement Standard Schema v1" }] },
      );
    }
  }
  return {
    input: options.input,
    output: options.output,
    idempotent: options.idempotent ?? false,
    description: options.description,
  };
}

/** What one method's implementation looks like. */
export type MethodHandler<S extends MethodSpec> = (
  ctx: CallContext,
  input: InferOut<S["input"]>,
) => Promise<InferIn<S["output"]>>;

/** Handlers for every method of a contract. */
export type Implementation<M extends MethodMap> = { readonly [K in keyof M]: MethodHandler<M[K]> };

/** Per-call options a client method accepts. */
export interface CallOptions {
  /** Give up after this long (capped by the caller's own deadline). Default: the app's callTimeout. */
  timeout?: Duration;
  /** Metadata added to what the caller's context already carries. */
  metadata?: Readonly<Record<string, string>>;
  /** Cancels the call when aborted (the callee's `ctx.signal` aborts too). */
  signal?: AbortSignal;
}

/** One method of a client. */
export type ClientMethod<S extends MethodSpec> = (
  input: InferIn<S["input"]>,
  options?: CallOptions,
) => Promise<InferOut<S["output"]>>;

/** A typed client of a contract; the same type whether the callee is local or remote. */
export type Client<C extends AnyContract> = {
  readonly [K in keyof C["methods"]]: ClientMethod<C["methods"][K]>;
};

declare module "./context.js" {
  interface CallContext {
    /** A typed client for another service; calls made with it inherit this context. */
    client<C extends AnyContract>(contract: C): Client<C>;
  }
}

declare module "./app-types.js" {
  interface App {
    /** A typed client for calls from outside any handler. */
    client<C extends AnyContract>(contract: C, options?: RootCallOptions): Client<C>;
  }
}

/** A subscription as core knows it (`subscribe` from `weft` makes one). */
export interface SubscriptionLike {
  readonly kind: "weft.subscription";
  readonly topic: TopicLike;
}

/** Options of `contract.implement`. */
export interface ImplementOptions {
  /** Server middleware for this service only, inside the app's server middleware. */
  middleware?: readonly Middleware[];
  /** Topics this service consumes: `subscribe(topic, handler, options)` from `weft`. */
  subscriptions?: readonly SubscriptionLike[];
  /**
   * Work that runs wherever this service runs, started and stopped with the app (an HTTP
   * gateway's listener, for instance). Extensions of services placed elsewhere do not start.
   */
  extensions?: readonly AppExtension[];
}

/** A contract paired with its handlers: what an app runs. */
export interface ServiceImplementation<C extends AnyContract = AnyContract> {
  readonly kind: "weft.implementation";
  readonly contract: C;
  readonly handlers: Implementation<C["methods"]>;
  readonly middleware: readonly Middleware[];
  /** The topics this service consumes. */
  readonly subscriptions: readonly SubscriptionLike[];
  /** Work that starts and stops with this service wherever it runs. */
  readonly extensions: readonly AppExtension[];
}

/** Any service contract (the constraint generic code uses). */
// biome-ignore lint/suspicious/noExplicitAny: method maps vary per contract; `any` keeps contracts assignable here.
export type AnyContract = ServiceContract<string, any>;

/** A service contract: a name and its methods. */
export interface ServiceContract<N extends string = string, M extends MethodMap = MethodMap> {
  readonly kind: "weft.service";
  readonly name: N;
  readonly methods: M;
  /**
   * Pairs the contract with handlers. Every method must be implemented with the right types;
   * extra methods are refused.
   */
  implement<H extends Implementation<M>>(
    handlers: H & { readonly [K in Exclude<keyof H, keyof M>]: never },
    options?: ImplementOptions,
  ): ServiceImplementation<ServiceContract<N, M>>;
}

/**
 * Declares a service contract. Names must start with a letter and use only letters, digits, `-`
 * and `_` (they become subject tokens when the service is split out).
 */
export function defineService<const N extends string, const M extends MethodMap>(
  name: N,
  methods: M,
): ServiceContract<N, M> {
  checkName("service", name);
  for (const [methodName, spec] of Object.entries(methods ?? {})) {
    checkName("method", methodName);
    if (!isStandardSchema(spec?.input) || !isStandardSchema(spec?.output)) {
      throw invalidArgument(
        "INVALID_SCHEMA",
        `${name}.${methodName} must be declared with method({...})`,
      );
    }
  }
  const contract: ServiceContract<N, M> = {
    kind: "weft.service",
    name,
    methods,
    implement(handlers, options = {}) {
      for (const methodName of Object.keys(methods)) {
        if (typeof (handlers as Record<string, unknown>)[methodName] !== "function") {
          throw invalidArgument("METHOD_NOT_IMPLEMENTED", `${name}.${methodName} has no handler`);
        }
      }
      for (const key of Object.keys(handlers)) {
        // hasOwn, not `in`: a handler named "toString" or "constructor" is extra too.
        if (!Object.hasOwn(methods, key)) {
          throw invalidArgument("UNKNOWN_METHOD", `${name} has no method ${key} in its contract`);
        }
      }
      return {
        kind: "weft.implementation",
        contract,
        handlers: handlers as Implementation<M>,
        middleware: options.middleware ?? [],
        subscriptions: options.subscriptions ?? [],
        extensions: options.extensions ?? [],
      };
    },
  };
  return Object.freeze(contract);
}

/** Tells whether a value is a service contract. */
export function isServiceContract(value: unknown): value is AnyContract {
  return (value as ServiceContract | null)?.kind === "weft.service";
}
