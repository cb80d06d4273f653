/**
 * JSON Schema of a contract's schemas, through Standard JSON Schema (`schema["~standard"]
 * .jsonSchema`, offered by zod ≥ 4.2 and arktype, valibot with its adapter). The gateway needs it
 * to coerce path and query strings and to write the OpenAPI document; schemas without it work
 * for everything else.
 */
import type { StandardSchemaV1 } from "../core/index.js";

/** A JSON Schema (draft 2020-12) as a plain object. */
export type JsonSchema = { readonly [key: string]: unknown };

type Converter = (options: { target: string }) => Record<string, unknown>;

// A memo of pure derived data per schema value, not shared state.
const cache = new WeakMap<object, { input?: JsonSchema | null; output?: JsonSchema | null }>();

/**
 * The JSON Schema of what `schema` accepts (`input`) or produces (`output`), or undefined when the
 * schema library offers no Standard JSON Schema or cannot express this schema.
 */
export function jsonSchemaOf(
  schema: StandardSchemaV1,
  io: "input" | "output",
): JsonSchema | undefined {
  let entry = cache.get(schema);
  if (entry === undefined) {
    entry = {};
    cache.set(schema, entry);
  }
  const known = entry[io];
  if (known !== undefined) return known ?? undefined;
  const std = (schema as { "~standard"?: { jsonSchema?: Record<string, Converter> } })["~standard"];
  let result: JsonSchema | null = null;
  const convert = std?.jsonSchema?.[io];
  if (typeof convert === "function") {
    try {
      const out = convert({ target: "draft-2020-12" });
      if (typeof out === "object" && out !== null) result = out;
    } catch {
      // A type JSON Schema cannot express (a Date, a function): treated as no schema.
      result = null;
    }
  }
  entry[io] = result;
  return result ?? undefined;
}

/** Follows a local `$ref` (`#/$defs/X` or `#/definitions/X`) within `root`. */
export function resolveRef(
  schema: JsonSchema | undefined,
  root: JsonSchema,
): JsonSchema | undefined {
  let current = schema;
  for (let hops = 0; hops < 16 && typeof current?.$ref === "string"; hops++) {
    const match = /^#\/(\$defs|definitions)\/(.+)$/.exec(current.$ref as string);
    if (match === null) return current;
    const defs = root[match[1] as string] as Record<string, JsonSchema> | undefined;
    current =
      defs?.[
        decodeURIComponent(match[2] as string)
          .replace(/~1/g, "/")
          .replace(/~0/g, "~")
      ];
  }
  return current;
}

/** The properties of an object schema, or undefined when it is not one. */
export function propertiesOf(schema: JsonSchema): Record<string, JsonSchema> | undefined {
  const props = schema.properties;
  return typeof props === "object" && props !== null
    ? (props as Record<string, JsonSchema>)
    : undefined;
}

/** The JSON types a schema allows (from `type`, `anyOf`/`oneOf`, `const`, `enum`). */
export function typesOf(schema: JsonSchema | undefined, root: JsonSchema): Set<string> {
  const out = new Set<string>();
  const visit = (s: JsonSchema | undefined, depth: number) => {
    const resolved = resolveRef(s, root);
    if (resolved === undefined || depth > 8) return;
    const type = resolved.type;
    if (typeof type === "string") out.add(type);
    else if (Array.isArray(type)) for (const t of type) out.add(String(t));
    for (const key of ["anyOf", "oneOf", "allOf"] as const) {
      const list = resolved[key];
      if (Array.isArray(list)) for (const member of list) visit(member as JsonSchema, depth + 1);
    }
    const values = "const" in resolved ? [resolved.const] : resolved.enum;
    if (Array.isArray(values)) {
      for (const v of values)
        out.add(v === null ? "null" : typeof v === "number" ? "number" : typeof v);
    }
  };
  visit(schema, 0);
  return out;
}
