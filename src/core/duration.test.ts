import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toMilliseconds } from "./duration.js";
import { isInvalidArgument, type WeftError } from "./errors.js";

function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    return e as WeftError;
  }
  throw new Error("expected a throw");
}

describe("toMilliseconds", () => {
  it.each([
    [0, 0],
    [1500, 1500],
    ["250ms", 250],
    ["10s", 10_000],
    ["5m", 300_000],
    ["1h", 3_600_000],
    ["2d", 172_800_000],
    ["1.5s", 1500],
    ["1m30s", 90_000],
    ["1h1m1s1ms", 3_661_001],
    ["  10s  ", 10_000],
  ] as const)("%j is %d ms", (value, ms) => {
    expect(toMilliseconds(value)).toBe(ms);
  });

  it.each([
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "",
    "   ",
    "10",
    "ten seconds",
    "10 s",
    "10sec",
    "-5s",
    "5s garbage",
    "s",
  ])("rejects %j with INVALID_ARGUMENT naming the field", (value) => {
    const e = thrown(() => toMilliseconds(value, "callTimeout"));
    expect(isInvalidArgument(e)).toBe(true);
    expect(e.reason).toBe("INVALID_DURATION");
    expect(e.message).toContain("callTimeout");
    expect(e.issues[0]?.path).toEqual(["callTimeout"]);
  });

  it("sums parts in any order of units", () => {
    const unit = fc.constantFrom(
      ["ms", 1] as const,
      ["s", 1000] as const,
      ["m", 60_000] as const,
      ["h", 3_600_000] as const,
      ["d", 86_400_000] as const,
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(1000), unit), { minLength: 1, maxLength: 5 }),
        (parts) => {
          const text = parts.map(([n, [u]]) => `${n}${u}`).join("");
          const expected = parts.reduce((sum, [n, [, ms]]) => sum + n * ms, 0);
          expect(toMilliseconds(text)).toBe(expected);
        },
      ),
    );
  });
});
