/** Run ids (UUIDv7: time-ordered) and the canonical JSON that makes "the same input" exact. */
import { v5, v7 } from "uuid";

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

/** Namespace of the ids of events published by workflow steps (UUIDv5). */
const STEP_EVENTS = "6f0c4d1e-7a43-5b8e-9c1d-2b5f3e8a9d70";

/** The id of the `index`-th event published by step `seq` of run `runId`: the same on every re-run. */
export function stepEventId(runId: string, seq: number, index: number): string {
  return v5(`${runId}/${seq}/${index}`, STEP_EVENTS);
}

/**
 * The id of the `n`-th event published with `tx.publish` in transaction `index` of step `seq`:
 * the same when that transaction runs again after a rollback.
 */
export function stepTxEventId(runId: string, seq: number, index: number, n: number): string {
  return v5(`${runId}/${seq}/tx${index}/${n}`, STEP_EVENTS);
}
