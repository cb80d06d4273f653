/**
 * Typed clients. One small class is made per contract (methods on its prototype), so creating a
 * client per call context costs one allocation and no Proxy sits on the call path.
 */
import type { AnyContract, CallOptions, Client, MethodMap } from "./contract.js";
import type { LiveContext } from "./live-context.js";

/** Where a client sends calls, and from which context. */
export interface ClientTarget {
  invoke(
    parent: LiveContext | undefined,
    scope: RootScope | undefined,
    service: string,
    method: string,
    idempotent: boolean,
    input: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown>;
}

/** What a call from outside any handler starts with (a script, a test, the gateway). */
export interface RootScope {
  readonly metadata: Readonly<Record<string, string>>;
  readonly principal: import("./context.js").Principal | undefined;
  /** The caller's trace, e.g. parsed from an incoming `traceparent`. */
  readonly traceparent: string | undefined;
  /** Calls made by work already in flight (a workflow step, an event handler): served while draining. */
  readonly admitted?: boolean;
}

type ClientCtor = new (
  target: ClientTarget,
  parent: LiveContext | undefined,
  scope: RootScope | undefined,
) => object;

// A memo of pure derived data (one class per contract value), not shared state.
const classes = new WeakMap<AnyContract, ClientCtor>();

function classFor(contract: AnyContract): ClientCtor {
  let ctor = classes.get(contract);
  if (ctor !== undefined) return ctor;
  class ContractClient {
    constructor(
      readonly target: ClientTarget,
      readonly parent: LiveContext | undefined,
      readonly scope: RootScope | undefined,
    ) {}
  }
  const service = contract.name;
  for (const [name, spec] of Object.entries(contract.methods as MethodMap)) {
    const idempotent = spec.idempotent;
    Object.defineProperty(ContractClient.prototype, name, {
      value(this: ContractClient, input: unknown, options?: CallOptions) {
        return this.target.invoke(
          this.parent,
          this.scope,
          service,
          name,
          idempotent,
          input,
          options,
        );
      },
    });
  }
  ctor = ContractClient;
  classes.set(contract, ctor);
  return ctor;
}

/** Makes a typed client of `contract` bound to a parent context or a root scope. */
export function makeClient<C extends AnyContract>(
  contract: C,
  target: ClientTarget,
  parent: LiveContext | undefined,
  scope: RootScope | undefined,
): Client<C> {
  const Ctor = classFor(contract);
  return new Ctor(target, parent, scope) as Client<C>;
}
