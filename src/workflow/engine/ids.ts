/** Run ids (UUIDv7: time-ordered) and the canonical JSON that makes "the same input" exact. */
import { v7 } from "uuid";

/** A new UUIDv7. */
export function newId(): string {
  return v7();
}

/** JSON with object keys sorted, so equal inputs give equal text whatever their key order. */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) =>
            a < b ? -1 : a > b ? 1 : 0,
          ),
        )
      : v,
  );
  return text ?? "null";
}
