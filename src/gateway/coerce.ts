/**
 * Path and query values arrive as strings; the method's input may want numbers, booleans or
 * arrays. Each field gets a coercer compiled once from the input's JSON Schema. A value that does
 * not look like its type is left as it is, so the method's own validation reports it with its
 * path (never a silent `NaN`).
 */
import { type JsonSchema, propertiesOf, resolveRef, typesOf } from "./json-schema.js";

/** Turns a path or query value (repeated query keys give an array) into the field's type. */
export type Coercer = (value: string | string[]) => unknown;

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

function scalar(types: Set<string>): ((value: string) => unknown) | undefined {
  // A field that accepts strings keeps them: "007" stays "007".
  if (types.has("string") || types.size === 0) return undefined;
  const number = types.has("number") || types.has("integer");
  const boolean = types.has("boolean");
  const nullable = types.has("null");
  if (!number && !boolean && !nullable) return undefined;
  return (value) => {
    if (number && NUMBER.test(value)) return Number(value);
    if (boolean && (value === "true" || value === "false")) return value === "true";
    if (nullable && value === "null") return null;
    return value;
  };
}

/** Compiles the coercer of one field schema (undefined when strings need no change). */
function compileField(schema: JsonSchema | undefined, root: JsonSchema): Coercer | undefined {
  const resolved = resolveRef(schema, root);
  const types = typesOf(resolved, root);
  if (types.has("array")) {
    const items = resolveRef(resolved?.items as JsonSchema | undefined, root);
    const item = scalar(typesOf(items, root));
    return (value) => {
      const list = Array.isArray(value) ? value : [value];
      return item === undefined ? list : list.map(item);
    };
  }
  const one = scalar(types);
  if (one === undefined) return undefined;
  return (value) => (Array.isArray(value) ? value : one(value));
}

/** The coercers of an object schema's fields, by field name. */
export function compileCoercers(schema: JsonSchema | undefined): ReadonlyMap<string, Coercer> {
  const out = new Map<string, Coercer>();
  if (schema === undefined) return out;
  const root = resolveRef(schema, schema) ?? schema;
  for (const [name, field] of Object.entries(propertiesOf(root) ?? {})) {
    const coercer = compileField(field, schema);
    if (coercer !== undefined) out.set(name, coercer);
  }
  return out;
}
