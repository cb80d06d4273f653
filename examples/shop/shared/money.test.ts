import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addMoney,
  convertMoney,
  type ExchangeRate,
  formatMoney,
  fromNanos,
  isPositive,
  Money,
  multiplyMoney,
  sumMoney,
  toNanos,
  zeroMoney,
} from "./money.js";

const usd = (units: number, nanos = 0) => ({ currencyCode: "USD", units, nanos });
const EUR: ExchangeRate = { currencyCode: "EUR", perBase: "1.0", decimals: 2 };
const USD: ExchangeRate = { currencyCode: "USD", perBase: "1.1305", decimals: 2 };
const JPY: ExchangeRate = { currencyCode: "JPY", perBase: "126.40", decimals: 0 };

describe("money", () => {
  it("adds with a carry from nanos into units", () => {
    expect(addMoney(usd(1, 600_000_000), usd(2, 500_000_000))).toEqual(usd(4, 100_000_000));
  });

  it("keeps units and nanos of one sign across zero", () => {
    expect(addMoney(usd(1, 0), usd(-1, -500_000_000))).toEqual(usd(0, -500_000_000));
    expect(addMoney(usd(-1, 0), usd(1, 0))).toEqual(usd(0, 0));
  });

  it("multiplies exactly: 19.99 × 3 is 59.97", () => {
    expect(multiplyMoney(usd(19, 990_000_000), 3)).toEqual(usd(59, 970_000_000));
  });

  it("refuses a fractional factor and mixed currencies", () => {
    expect(() => multiplyMoney(usd(1), 1.5)).toThrow(TypeError);
    expect(() => addMoney(usd(1), { currencyCode: "EUR", units: 1, nanos: 0 })).toThrow(/EUR/);
  });

  it("sums nothing to zero, and a list to its total", () => {
    expect(sumMoney("USD", [])).toEqual(zeroMoney("USD"));
    expect(sumMoney("USD", [usd(1, 1), usd(2, 2)])).toEqual(usd(3, 3));
  });

  it("converts through the base rate and rounds to the target's decimals", () => {
    expect(convertMoney(usd(19, 990_000_000), USD, EUR)).toEqual({
      currencyCode: "EUR",
      units: 17,
      nanos: 680_000_000,
    });
    // 19.99 / 1.1305 × 126.40 = 2235.06…: yen keep no decimals.
    expect(convertMoney(usd(19, 990_000_000), USD, JPY)).toEqual({
      currencyCode: "JPY",
      units: 2235,
      nanos: 0,
    });
    expect(convertMoney(usd(19, 990_000_000), USD, USD)).toEqual(usd(19, 990_000_000));
  });

  it("rounds half away from zero", () => {
    const half = { currencyCode: "EUR", units: 0, nanos: 5_000_000 }; // 0.005
    expect(convertMoney(half, EUR, EUR)).toEqual({ ...half, nanos: 10_000_000 });
    const minusHalf = { currencyCode: "EUR", units: 0, nanos: -5_000_000 };
    expect(convertMoney(minusHalf, EUR, EUR)).toEqual({ ...half, nanos: -10_000_000 });
  });

  it("formats for people", () => {
    expect(formatMoney(usd(59, 970_000_000))).toBe("USD 59.97");
    expect(formatMoney(usd(5))).toBe("USD 5.00");
    expect(formatMoney(usd(0, -500_000_000))).toBe("USD -0.50");
    expect(formatMoney(usd(1, 123_456_789))).toBe("USD 1.123456789");
  });

  it("tells positive amounts", () => {
    expect(isPositive(usd(0, 1))).toBe(true);
    expect(isPositive(usd(0))).toBe(false);
    expect(isPositive(usd(-1))).toBe(false);
  });

  it("validates sign agreement and the nanos range", () => {
    expect(Money.safeParse(usd(1, -1)).success).toBe(false);
    expect(Money.safeParse(usd(0, 1_000_000_000)).success).toBe(false);
    expect(Money.safeParse({ currencyCode: "usd", units: 1, nanos: 0 }).success).toBe(false);
    expect(Money.safeParse(usd(-3, -10)).success).toBe(true);
  });

  it("round-trips through nanos and adds like integers (property)", () => {
    const nanos = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
    fc.assert(
      fc.property(nanos, nanos, (a, b) => {
        const sum = addMoney(fromNanos("USD", a), fromNanos("USD", b));
        expect(Money.safeParse(sum).success).toBe(true);
        expect(toNanos(sum)).toBe(a + b);
      }),
    );
  });
});
