/**
 * The OpenAPI 3.1 document of a gateway, made from its route table and the contracts' JSON
 * Schemas: one operation per route (path parameters, query parameters for GET and DELETE, a JSON
 * body otherwise), its success answer, the problem answers it can give, and its security.
 * Schemas whose library offers no JSON Schema appear as `{}` (any value).
 *
 * @example
 * ```ts
 * import { openApiDocument } from "weft/gateway";
 * const doc = openApiDocument(api, { title: "Shop API", version: "1.0.0" });
 * ```
 */
import { type JsonSchema, jsonSchemaOf, propertiesOf, resolveRef } from "./json-schema.js";
import type { Route } from "./route.js";
import type { GatewayDefinition, OpenApiInfo } from "./types.js";

type Json = Record<string, unknown>;

/** Copies a schema for embedding: drops `$schema`, moves `$defs` into components. */
function embed(schema: JsonSchema | undefined, prefix: string, components: Json): Json {
  if (schema === undefined) return {};
  const { $schema: _drop, $defs, ...rest } = schema as Json;
  const names = new Map<string, string>();
  for (const name of Object.keys(($defs as Json | undefined) ?? {})) {
    names.set(
      `#/$defs/${name}`,
      `#/components/schemas/${`${prefix}_${name}`.replace(/[^A-Za-z0-9._-]/g, "_")}`,
    );
  }
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (typeof value !== "object" || value === null) return value;
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string" ? (names.get(v) ?? v) : rewrite(v);
    }
    return out;
  };
  for (const [name, def] of Object.entries(($defs as Json | undefined) ?? {})) {
    const target = (names.get(`#/$defs/${name}`) as string).slice("#/components/schemas/".length);
    components[target] = rewrite(def);
  }
  return rewrite(rest) as Json;
}

const PROBLEM: Json = {
  type: "object",
  required: ["type", "title", "status", "code", "reason"],
  properties: {
    type: { type: "string" },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    instance: { type: "string" },
    code: { type: "string", description: "Weft error code, e.g. NOT_FOUND" },
    reason: { type: "string", description: "Stable UPPER_SNAKE reason, e.g. PRODUCT_NOT_FOUND" },
    traceId: { type: "string", description: "Trace id of the request" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["pointer", "detail"],
        properties: { pointer: { type: "string" }, detail: { type: "string" } },
      },
    },
    metadata: { type: "object", additionalProperties: { type: "string" } },
    mayHaveRun: { type: "boolean" },
  },
};

const DESCRIPTIONS: Record<number, string> = {
  400: "Invalid request (the problem's `errors` lists the fields at fault)",
  401: "Missing or invalid credentials",
  403: "The caller lacks a required scope",
  404: "Not found",
  409: "Conflict with the current state, or the Idempotency-Key is in use",
  413: "The body is too large",
  415: "The body is not application/json",
  422: "The Idempotency-Key was used with another request",
  429: "Rate limit reached (see the RateLimit and Retry-After headers)",
  500: "Internal error",
  503: "Unavailable; try again later",
  504: "The request did not complete in time",
};

const problem = (status: number) => ({
  description: DESCRIPTIONS[status] as string,
  content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
});

function operation(
  route: Route,
  definition: GatewayDefinition | undefined,
  components: Json,
  id: string,
): Json {
  const o = route.options;
  const defaultAuth =
    definition?.options.auth === undefined
      ? "none"
      : (definition.options.auth.default ?? "required");
  const scopes = o.scopes ?? [];
  const mode =
    scopes.length > 0 && (o.auth ?? defaultAuth) === "none" ? "required" : (o.auth ?? defaultAuth);
  const name = `${route.contract.name}.${route.operation}`;
  const input =
    route.inputSchema === undefined
      ? undefined
      : (resolveRef(route.inputSchema, route.inputSchema) as JsonSchema);
  const props = input === undefined ? {} : (propertiesOf(input) ?? {});
  const required = new Set((input?.required as string[] | undefined) ?? []);
  const parameters: Json[] = route.params.map((p) => ({
    name: p,
    in: "path",
    required: true,
    schema: embed(props[p] ?? { type: "string" }, `${id}_path`, components),
  }));
  const body = route.method !== "GET" && route.method !== "DELETE";
  if (!body) {
    for (const [p, schema] of Object.entries(props)) {
      if (!route.params.includes(p)) {
        parameters.push({
          name: p,
          in: "query",
          required: required.has(p),
          schema: embed(schema, `${id}_query`, components),
        });
      }
    }
  }
  if (o.idempotency !== undefined) {
    parameters.push({
      name: "Idempotency-Key",
      in: "header",
      required: o.idempotency === "required",
      description: "Makes a retry safe: the same key and request replay the first answer",
      schema: { type: "string", minLength: 1, maxLength: 255 },
    });
  }
  const op: Json = {
    operationId: id,
    summary: name,
    tags: [...(o.tags ?? [route.contract.name])],
    parameters,
  };
  const description = o.description ?? route.spec.description;
  if (description !== undefined) op.description = description;
  if (body) {
    const schema = embed(input, `${id}_body`, components);
    const bodyProps = { ...((schema.properties as Json | undefined) ?? {}) };
    for (const p of route.params) delete bodyProps[p];
    if (input !== undefined) {
      schema.properties = bodyProps;
      schema.required = [...required].filter((r) => !route.params.includes(r));
    }
    op.requestBody = {
      required: (schema.required as string[] | undefined)?.length !== 0 && input !== undefined,
      content: { "application/json": { schema } },
    };
  }
  const status = o.status ?? 200;
  const output = jsonSchemaOf(route.spec.output, "output");
  const success: Json = { description: "Success" };
  if (status !== 204)
    success.content = { "application/json": { schema: embed(output, `${id}_output`, components) } };
  const statuses = [400, 404, 409, 500, 503, 504];
  if (mode !== "none") statuses.push(401, 403);
  if (body) statuses.push(413, 415);
  if (o.idempotency !== undefined) statuses.push(422);
  if ((o.rateLimit ?? definition?.options.rateLimit) !== undefined && o.rateLimit !== false)
    statuses.push(429);
  const responses: Json = { [String(status)]: success };
  for (const s of statuses.sort()) responses[String(s)] = problem(s);
  op.responses = responses;
  const apiKeys = definition === undefined || (definition.options.auth?.apiKeys?.length ?? 0) > 0;
  const schemes: Json[] = [{ bearerAuth: [...scopes] }];
  if (apiKeys) schemes.push({ apiKey: [] });
  op.security = mode === "none" ? [] : mode === "optional" ? [...schemes, {}] : schemes;
  return op;
}

/** An OpenAPI path: `/products/:id` → `/products/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
}

/**
 * The OpenAPI 3.1 document of a gateway (or of a list of routes). Its paths are the route table;
 * `info` defaults to the gateway's name and version `0.0.0`.
 */
export function openApiDocument(
  source: { readonly gateway: GatewayDefinition } | GatewayDefinition | readonly Route[],
  info: Partial<OpenApiInfo> = {},
): Json {
  const definition = Array.isArray(source)
    ? undefined
    : "gateway" in source
      ? (source as { gateway: GatewayDefinition }).gateway
      : (source as GatewayDefinition);
  const routes: readonly Route[] = definition?.routes ?? (source as readonly Route[]);
  const schemas: Json = { Problem: PROBLEM };
  const paths: Record<string, Json> = {};
  const ids = new Set<string>();
  for (const route of routes) {
    let id = `${route.contract.name}_${route.operation}`.replace(/[^A-Za-z0-9_]/g, "_");
    for (let n = 2; ids.has(id); n++) id = `${route.contract.name}_${route.operation}_${n}`;
    ids.add(id);
    const path = openApiPath(route.path);
    paths[path] ??= {};
    (paths[path] as Json)[route.method.toLowerCase()] = operation(route, definition, schemas, id);
  }
  const securitySchemes: Json = {
    bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT" },
    apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
  };
  return {
    openapi: "3.1.0",
    info: {
      title: info.title ?? definition?.name ?? "API",
      version: info.version ?? "0.0.0",
      ...(info.description === undefined ? {} : { description: info.description }),
    },
    paths,
    components: { schemas, securitySchemes },
  };
}
