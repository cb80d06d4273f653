/**
 * Builds the callee side of each method once, at start: server middleware around input
 * validation, the method's code and (in development and test) output checking. Synchronous
 * validation results are used as they are, so a plain call awaits only the method's own promise.
 */
import type { MethodMap, ServiceImplementation } from "./contract.js";
import { chain, type Handler, type Middleware } from "./handler.js";
import type { LiveContext } from "./live-context.js";
import { validate } from "./schema.js";

/** The compiled methods of one service. */
export interface CompiledService {
  readonly handlers: ReadonlyMap<string, Handler>;
  readonly idempotent: ReadonlySet<string>;
}

/** Compiles a service implementation for one app. */
export function compileService(
  impl: ServiceImplementation,
  serverMiddleware: readonly Middleware[],
  validateOutput: boolean,
): CompiledService {
  const handlers = new Map<string, Handler>();
  const idempotent = new Set<string>();
  const wrap = chain(...serverMiddleware, ...impl.middleware);
  const service = impl.contract.name;
  for (const [name, spec] of Object.entries(impl.contract.methods as MethodMap)) {
    if (spec.idempotent) idempotent.add(name);
    const code = ((impl.handlers as Record<string, Handler>)[name] as Handler).bind(impl.handlers);
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
    const check = (output: unknown) => {
      // Outputs are checked, never transformed, so every mode returns the same value.
      const result = validate(spec.output, output, outputRule);
      return result instanceof Promise ? result.then(() => output) : output;
    };
    const run = (ctx: LiveContext, valid: unknown): Promise<unknown> => {
      // From here on the method's code runs: errors may follow effects (mayHaveRun).
      ctx.ran = true;
      const output = Promise.resolve(code(ctx, valid));
      return validateOutput ? output.then(check) : output;
    };
    const innermost: Handler = (ctx, input) => {
      const valid = validate(spec.input, input, inputRule);
      return valid instanceof Promise
        ? valid.then((v) => run(ctx as LiveContext, v))
        : run(ctx as LiveContext, valid);
    };
    handlers.set(name, wrap(innermost));
  }
  return { handlers, idempotent };
}
