/** Asserting on Weft errors in tests. */
import { expect } from "vitest";
import { isWeftError, type WeftError } from "../core/index.js";

/** Awaits `promise`, expecting it to reject with a Weft error of `code` (and `reason`). */
export async function expectWeftError(
  promise: Promise<unknown>,
  code: string,
  reason?: string,
): Promise<WeftError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWeftError(error), `expected a Weft error, got ${String(error)}`).toBe(true);
  const weft = error as WeftError;
  expect({ code: weft.code, reason: reason === undefined ? undefined : weft.reason }).toEqual({
    code,
    reason,
  });
  return weft;
}
