/**
 * Typed clients. One small class is made per contract (methods on its prototype), so creating a
 * client per call context costs one allocation and no Proxy sits on the call path.
 */
import type { Principal } from "./context.js";
import type { AnyContract, CallOptions, Client, MethodMap } from "./contract.js";
import type { LiveContext } from "./live-context.js";

/** One method as its clients call it: made once per contract and method, shared by every call. */
export interface MethodSite {
  readonly service: string;
  readonly method: string;
  readonly idempotent: boolean;
}

/** Where a call comes from: the context of the handler that makes it, or a root scope. */
export interface CallOrigin {
  /** The calling handler's context; undefined for a call from outside any handler. */
  readonly parent: LiveContext | undefined;
  /** What a call from outside any handler starts with; undefined for a nested call. */
  readonly scope: RootScope | undefined;
}

/** Where a client sends calls. */
export interface ClientTarget {
  invoke(
    origin: CallOrigin,
    site: MethodSite,
    input: unknown,
    options: CallOptions | undefined,
  ): Promise<unknown>;
}

/** What a call from outside any handler starts with (a script, a test, the gateway). */
export interface RootScope {
  readonly metadata: Readonly<Record<string, string>>;
  readonly principal: Principal | undefined;
  /** The caller's trace, e.g. parsed from an incoming `traceparent`. */
  readonly traceparent: string | undefined;
  /** Calls made by work already in flight (a workflow step, an event handler): served while draining. */
  readonly admitted?: boolean;
}

/** A client bound to its origin; it is itself the {@link CallOrigin} of its calls. */
class BoundClient implements CallOrigin {
  parent: LiveContext | undefined = undefined;
  scope: RootScope | undefined = undefined;
  constructor(readonly target: ClientTarget) {}
}

type ClientCtor = new (target: ClientTarget) => BoundClient;

// A memo of pure derived data (one class per contract value), not shared state.
const classes = new WeakMap<AnyContract, ClientCtor>();

function classFor(contract: AnyContract): ClientCtor {
  let ctor = classes.get(contract);
  if (ctor !== undefined) return ctor;
  class ContractClient extends BoundClient {}
  const service = contract.name;
  for (const [name, spec] of Object.entries(contract.methods as MethodMap)) {
    const site: MethodSite = { service, method: name, idempotent: spec.idempotent };
    Object.defineProperty(ContractClient.prototype, name, {
      value(this: ContractClient, input: unknown, options?: CallOptions) {
        return this.target.invoke(this, site, input, options);
      },
    });
  }
  ctor = ContractClient;
  classes.set(contract, ctor);
  return ctor;
}

/** Makes a typed client of `contract` for calls made from the handler whose context is `parent`. */
export function makeClient<C extends AnyContract>(
  contract: C,
  target: ClientTarget,
  parent: LiveContext,
): Client<C> {
  const client = new (classFor(contract))(target);
  client.parent = parent;
  return client as unknown as Client<C>;
}

/** Makes a typed client of `contract` for calls from outside any handler, starting from `scope`. */
export function makeRootClient<C extends AnyContract>(
  contract: C,
  target: ClientTarget,
  scope: RootScope,
): Client<C> {
  const client = new (classFor(contract))(target);
  client.scope = scope;
  return client as unknown as Client<C>;
}
