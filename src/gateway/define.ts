/**
 * `defineGateway`: the HTTP edge as a service group like any other. It is a service with no
 * methods whose implementation carries the HTTP listener as an extension, so the listener runs
 * only in the process that runs the gateway's group, and calls the other services through the
 * app's clients — in this process or over NATS, with the same code.
 */
import {
  defineService,
  type ExtensionKey,
  extensionKey,
  type FieldIssue,
  invalidArgument,
  type ServiceImplementation,
} from "../core/index.js";
import { checkGatewayOptions, checkSecurityOptions, documentPath } from "./options.js";
import { isRoute } from "./route.js";
import { createGatewayExtension } from "./server.js";
import type { GatewayDefinition, GatewayInfo, GatewayOptions } from "./types.js";

export type { GatewayDefinition } from "./types.js";

/** What `defineGateway` returns: a service implementation to list in `defineApp({ services })`. */
export interface Gateway extends ServiceImplementation {
  readonly gateway: GatewayDefinition;
}

/**
 * The key under which a running gateway says where it listens: `app.use(GATEWAY).url`. With
 * several gateways in one process, the first listed answers.
 */
export const GATEWAY: ExtensionKey<GatewayInfo> = extensionKey<GatewayInfo>(
  "gateway (list defineGateway(...) in the services of a group this process runs)",
);

/**
 * Defines an HTTP gateway named `name` (a service name: put it in a group, e.g.
 * `groups: { edge: ["api"] }`). Throws INVALID_ARGUMENT (`GATEWAY_INVALID`) naming every bad
 * option: unknown keys, bad limits, a value that is not a route, two routes for one method and
 * path. Routes check themselves when made (`route(...)`).
 *
 * @example
 * ```ts
 * const api = defineGateway("api", {
 *   routes: [route("GET /products/:id", catalog, "getProduct")],
 *   rateLimit: { limit: 100, window: "1m" },
 * });
 * defineApp({ name: "shop", services: [catalogImpl, api], groups: { edge: ["api"], core: ["catalog"] } });
 * ```
 */
export function defineGateway(name: string, options: GatewayOptions): Gateway {
  const issues: FieldIssue[] = [];
  if (typeof options !== "object" || options === null) {
    throw invalidArgument("GATEWAY_INVALID", `gateway ${name}: options must be an object`);
  }
  checkGatewayOptions(options, issues);
  checkSecurityOptions(options, issues);
  const seen = new Map<string, string>();
  const openapi = documentPath(options);
  if (openapi !== undefined) seen.set(`GET ${openapi}`, "the OpenAPI document");
  if (!Array.isArray(options.routes)) {
    issues.push({ path: ["routes"], message: "must be a list of route(...)" });
  } else {
    options.routes.forEach((r, i) => {
      if (!isRoute(r)) {
        issues.push({
          path: ["routes", i],
          message: 'must be route("METHOD /path", contract, "method")',
        });
        return;
      }
      // `/a/:x` and `/a/:y` are the same route to the router.
      const shape = `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ":")}`;
      const other = seen.get(shape);
      if (other !== undefined) {
        issues.push({ path: ["routes", i], message: `${r.key} is the same route as ${other}` });
      } else seen.set(shape, r.key);
    });
  }
  if (issues.length > 0) {
    const lines = issues.map((i) => `  - ${i.path.join(".") || "(options)"}: ${i.message}`);
    throw invalidArgument("GATEWAY_INVALID", `gateway ${name}:\n${lines.join("\n")}`, { issues });
  }
  const definition: GatewayDefinition = Object.freeze({
    name,
    routes: [...options.routes],
    options: Object.freeze({ ...options }),
  });
  const impl = defineService(name, {}).implement(
    {},
    { extensions: [createGatewayExtension(definition, GATEWAY)] },
  );
  return Object.freeze({ ...impl, gateway: definition });
}

/** Tells whether a service implementation is a gateway (to find it in `definition.services`). */
export function isGateway(value: unknown): value is Gateway {
  const gateway = (value as Partial<Gateway> | null)?.gateway;
  return (
    (value as ServiceImplementation | null)?.kind === "weft.implementation" &&
    typeof gateway === "object" &&
    gateway !== null &&
    Array.isArray(gateway.routes)
  );
}
