/**
 * Schemas are any Standard Schema (zod, valibot, arktype, …). Weft validates with them at every
 * boundary and turns their issues into INVALID_ARGUMENT errors with field paths.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type FieldIssue, formatPath, WeftError } from "./errors.js";

export type { StandardSchemaV1 };

/** Any Standard Schema. */
export type Schema<I = unknown, O = I> = StandardSchemaV1<I, O>;
/** The type a schema accepts. */
export type InferIn<S extends StandardSchemaV1> = StandardSchemaV1.InferInput<S>;
/** The type a schema produces after validation. */
export type InferOut<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

/** Tells whether a value implements Standard Schema v1. */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const std = (value as { "~standard"?: { version?: unknown; validate?: unknown } })["~standard"];
  return (
    typeof std === "object" &&
    std !== null &&
    std.version === 1 &&
    typeof std.validate === "function"
  );
}

function toFieldIssues(issues: readonly StandardSchemaV1.Issue[]): FieldIssue[] {
  return issues.map((issue) => ({
    path: (issue.path ?? []).map((seg) => {
      const key = typeof seg === "object" && seg !== null ? seg.key : seg;
      return typeof key === "number" ? key : String(key);
    }),
    message: issue.message,
  }));
}

/** How a failed validation is reported. */
export interface ValidationFailure {
  /** Error code for the failure: INVALID_ARGUMENT for inputs, INTERNAL for outputs. */
  readonly code: "INVALID_ARGUMENT" | "INTERNAL";
  /** Stable reason, e.g. `INPUT_INVALID`. */
  readonly reason: string;
  /** What was validated, for the message, e.g. `input of catalog.get`. */
  readonly subject: string;
}

function failure(issues: readonly StandardSchemaV1.Issue[], how: ValidationFailure): WeftError {
  const fields = toFieldIssues(issues);
  const detail = fields.map((f) => `${formatPath(f.path)}: ${f.message}`).join("; ");
  return new WeftError(how.code, how.reason, `invalid ${how.subject}: ${detail}`, {
    issues: fields,
    retryable: false,
  });
}

/**
 * Validates a value against a schema. Returns the schema's output, or a promise of it when the
 * schema validates asynchronously. Throws (or rejects with) a Weft error listing every field issue.
 */
export function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  how: ValidationFailure,
): InferOut<S> | Promise<InferOut<S>> {
  const result = schema["~standard"].validate(value);
  if (result instanceof Promise) {
    return result.then((r) => {
      if (r.issues !== undefined) throw failure(r.issues, how);
      return r.value as InferOut<S>;
    });
  }
  if (result.issues !== undefined) throw failure(result.issues, how);
  return result.value as InferOut<S>;
}
