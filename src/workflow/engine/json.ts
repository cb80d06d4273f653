/**
 * Journal values as JSON text. Values are round-tripped through JSON before a step's result is
 * returned the first time, so the first execution and every replay see the same value. A row
 * whose JSON cannot be read is reported as DATA_LOSS, never skipped.
 */
import { dataLoss, invalidArgument } from "../../core/index.js";

/** Encodes a value for the journal (`undefined` stays absent). */
export function encodeJson(value: unknown, what: string): string | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value);
  } catch (e) {
    throw invalidArgument(
      "NOT_JSON",
      `${what} cannot be recorded as JSON: ${(e as Error).message}`,
    );
  }
}

/** Decodes a journal value; throws DATA_LOSS naming `where` when the text is damaged. */
export function decodeJson(text: unknown, where: string): unknown {
  if (text === null || text === undefined) return undefined;
  if (typeof text !== "string")
    throw dataLoss("JOURNAL_CORRUPT", `${where}: the recorded value is not text`);
  try {
    return JSON.parse(text);
  } catch {
    throw dataLoss("JOURNAL_CORRUPT", `${where}: the recorded value is not valid JSON`, {
      metadata: { where },
    });
  }
}

/** The value as the journal will give it back. */
export function roundTrip<T>(value: T, what: string): T {
  const text = encodeJson(value, what);
  return (text === null ? undefined : JSON.parse(text)) as T;
}
