/**
 * Routes: an HTTP method and path mapped to one method of a contract. Path parameters, the query
 * string and the JSON body are merged into the method's input (body first, then query, then path
 * parameters win) and validated by the method's own schema at the callee.
 *
 * @example
 * ```ts
 * route("GET /products/:id", catalog, "getProduct");
 * route("POST /checkout", checkout, "placeOrder", { status: 201, idempotency: "required" });
 * ```
 */
import {
  type AnyContract,
  type FieldIssue,
  invalidArgument,
  isServiceContract,
  type MethodSpec,
} from "../core/index.js";
import { compileCoercers } from "./coerce.js";
import { type JsonSchema, jsonSchemaOf, propertiesOf, typesOf } from "./json-schema.js";
import { checkRouteOptions } from "./options.js";
import type { HttpMethod, Route, RouteOptions } from "./types.js";

export type { Route } from "./types.js";

const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);
const PARAM = /^:([A-Za-z_][A-Za-z0-9_]*)$/;
const STATIC = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;

/** Parses `METHOD /path`; pushes issues for what is wrong. */
function parseRoute(text: unknown, issues: FieldIssue[]) {
  const bad = (message: string) => {
    issues.push({ path: ["route"], message });
    return undefined;
  };
  if (typeof text !== "string") return bad('must be a string like "GET /products/:id"');
  const [method, path, extra] = text.split(" ");
  if (extra !== undefined || method === undefined || path === undefined)
    return bad('must be "METHOD /path" with one space, e.g. "GET /products/:id"');
  if (!METHODS.has(method))
    return bad(`method ${method} must be one of ${[...METHODS].join(", ")}`);
  if (!path.startsWith("/")) return bad("the path must start with /");
  const params: string[] = [];
  const segments = path === "/" ? [] : path.slice(1).split("/");
  for (const segment of segments) {
    const param = PARAM.exec(segment);
    if (param !== null) {
      if (param[1] === "__proto__") return bad("a path parameter may not be named __proto__");
      if (params.includes(param[1] as string))
        return bad(`path parameter :${param[1]} appears twice`);
      params.push(param[1] as string);
    } else if (!STATIC.test(segment)) {
      return bad(
        `path segment ${JSON.stringify(segment)} must be :name or plain characters (no empty segments, wildcards or regular expressions)`,
      );
    }
  }
  return { method: method as HttpMethod, path, params };
}

/** Checks the method's input schema against what the route feeds it. */
function checkInput(
  parsed: { method: HttpMethod; params: string[] },
  input: JsonSchema | undefined,
  coerce: boolean,
  where: string,
  issues: FieldIssue[],
): void {
  const takesStrings =
    parsed.params.length > 0 || parsed.method === "GET" || parsed.method === "DELETE";
  if (input === undefined) {
    if (takesStrings && coerce) {
      issues.push({
        path: ["method"],
        message: `the input schema of ${where} offers no JSON Schema, which this route needs to coerce path and query strings: use a schema library with Standard JSON Schema (zod ≥ 4.2, arktype, valibot with its adapter) or pass { coerce: false }`,
      });
    }
    return;
  }
  if (!typesOf(input, input).has("object")) {
    issues.push({ path: ["method"], message: `the input of ${where} must be an object schema` });
    return;
  }
  const props = propertiesOf(input);
  for (const param of parsed.params) {
    if (props !== undefined && !(param in props)) {
      issues.push({
        path: ["route"],
        message: `path parameter :${param} is not a field of the input of ${where}`,
      });
    }
  }
}

/**
 * Maps `METHOD /path` to `contract.method`. Throws INVALID_ARGUMENT (`ROUTE_INVALID`) naming the
 * field for a bad route string, an unknown method, bad options, or an input the route cannot feed.
 */
export function route<C extends AnyContract, K extends keyof C["methods"] & string>(
  text: string,
  contract: C,
  method: K,
  options: RouteOptions = {},
): Route<C> {
  const issues: FieldIssue[] = [];
  const parsed = parseRoute(text, issues);
  let spec: MethodSpec | undefined;
  if (!isServiceContract(contract)) {
    issues.push({ path: ["contract"], message: "must be a contract made with defineService" });
  } else if (typeof method !== "string" || !Object.hasOwn(contract.methods, method)) {
    issues.push({
      path: ["method"],
      message: `${JSON.stringify(method)} is not a method of ${contract.name} (it has: ${Object.keys(contract.methods).join(", ") || "none"})`,
    });
  } else spec = contract.methods[method] as MethodSpec;
  checkRouteOptions(options, spec, issues);
  let inputSchema: JsonSchema | undefined;
  if (parsed !== undefined && spec !== undefined) {
    inputSchema = jsonSchemaOf(spec.input, "input");
    checkInput(parsed, inputSchema, options.coerce !== false, `${contract.name}.${method}`, issues);
  }
  if (issues.length > 0 || parsed === undefined || spec === undefined) {
    const lines = issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw invalidArgument("ROUTE_INVALID", `route ${JSON.stringify(text)}: ${lines}`, { issues });
  }
  return Object.freeze({
    kind: "weft.route",
    key: `${parsed.method} ${parsed.path}`,
    method: parsed.method,
    path: parsed.path,
    params: parsed.params,
    contract,
    operation: method,
    spec,
    options: Object.freeze({ ...options }),
    inputSchema,
    coercers: options.coerce === false ? new Map() : compileCoercers(inputSchema),
  });
}

/** Tells whether a value is a route made by {@link route}. */
export function isRoute(value: unknown): value is Route {
  return (value as Route | null)?.kind === "weft.route";
}
