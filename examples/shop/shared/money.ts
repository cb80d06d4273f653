/**
 * Money as Online Boutique models it: a currency code, whole `units` and `nanos` (billionths of a
 * unit), both integers with the same sign. Arithmetic goes through bigint nanos, never floats, so
 * 19.99 × 3 is exactly 59.97.
 *
 * @example
 * ```ts
 * const price = { currencyCode: "USD", units: 19, nanos: 990_000_000 };
 * formatMoney(multiplyMoney(price, 3)); // "USD 59.97"
 * ```
 */
import { z } from "zod";

/** Nanos in one unit. */
export const NANOS_PER_UNIT = 1_000_000_000;
const NANOS = BigInt(NANOS_PER_UNIT);

/**
 * The largest amount, in units, the shop's contracts accept (a trillion): sums of the shop's
 * bounded carts stay far inside the range numbers hold exactly.
 */
export const MAX_MONEY_UNITS = 1_000_000_000_000;

/** An amount of money in one currency. */
export const Money = z
  .object({
    currencyCode: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD"),
    units: z.int().min(-MAX_MONEY_UNITS).max(MAX_MONEY_UNITS),
    nanos: z
      .int()
      .min(-(NANOS_PER_UNIT - 1))
      .max(NANOS_PER_UNIT - 1),
  })
  .refine((m) => m.units === 0 || m.nanos === 0 || m.units > 0 === m.nanos > 0, {
    message: "units and nanos must have the same sign",
    path: ["nanos"],
  });
/** An amount of money in one currency. */
export type Money = z.infer<typeof Money>;

/** The amount as a whole number of nanos. */
export function toNanos(money: Money): bigint {
  return BigInt(money.units) * NANOS + BigInt(money.nanos);
}

/** Money from a whole number of nanos; throws a RangeError if the units leave the safe range. */
export function fromNanos(currencyCode: string, nanos: bigint): Money {
  const units = Number(nanos / NANOS);
  if (!Number.isSafeInteger(units)) throw new RangeError(`${currencyCode} amount out of range`);
  // `+ 0` turns a -0 into 0 so that equal amounts compare equal.
  return { currencyCode, units: units + 0, nanos: Number(nanos % NANOS) + 0 };
}

/** Zero in a currency. */
export function zeroMoney(currencyCode: string): Money {
  return { currencyCode, units: 0, nanos: 0 };
}

/** `a + b`; throws a TypeError when the currencies differ. */
export function addMoney(a: Money, b: Money): Money {
  if (a.currencyCode !== b.currencyCode) {
    throw new TypeError(`cannot add ${b.currencyCode} to ${a.currencyCode}`);
  }
  return fromNanos(a.currencyCode, toNanos(a) + toNanos(b));
}

/** The sum of amounts in one currency (zero when there are none). */
export function sumMoney(currencyCode: string, amounts: readonly Money[]): Money {
  return amounts.reduce(addMoney, zeroMoney(currencyCode));
}

/** `money × factor`; the factor must be a safe integer (a quantity). */
export function multiplyMoney(money: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor)) throw new TypeError(`cannot multiply money by ${factor}`);
  return fromNanos(money.currencyCode, toNanos(money) * BigInt(factor));
}

/** True when the amount is greater than zero. */
export function isPositive(money: Money): boolean {
  return toNanos(money) > 0n;
}

/** `n / d` rounded half away from zero (d > 0). */
function divideRounded(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  const twice = (r < 0n ? -r : r) * 2n;
  return twice >= d ? q + (n < 0n ? -1n : 1n) : q;
}

/** A decimal string such as "1.1305" as a fraction of bigints. */
function parseDecimal(value: string): { num: bigint; den: bigint } {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (match === null) throw new TypeError(`not a decimal number: ${JSON.stringify(value)}`);
  const fraction = match[2] ?? "";
  return { num: BigInt(`${match[1]}${fraction}`), den: 10n ** BigInt(fraction.length) };
}

/** A currency's rate against a common base currency, and how many decimals its amounts keep. */
export interface ExchangeRate {
  /** ISO 4217 code, e.g. `EUR`. */
  readonly currencyCode: string;
  /** Units of this currency per unit of the base, as a decimal string (no float rounding). */
  readonly perBase: string;
  /** Decimals kept after conversion: 2 for cents, 0 for yen. */
  readonly decimals: number;
}

/**
 * Converts `money` (whose rate is `from`) into the currency of `to`, rounding half away from zero
 * to `to.decimals` decimals. Both rates must be quoted against the same base.
 */
export function convertMoney(money: Money, from: ExchangeRate, to: ExchangeRate): Money {
  if (money.currencyCode !== from.currencyCode) {
    throw new TypeError(`the rate given is for ${from.currencyCode}, not ${money.currencyCode}`);
  }
  const f = parseDecimal(from.perBase);
  const t = parseDecimal(to.perBase);
  if (f.num === 0n || t.num === 0n) throw new RangeError("an exchange rate cannot be zero");
  const step = 10n ** BigInt(9 - to.decimals);
  const scaled = divideRounded(toNanos(money) * t.num * f.den, t.den * f.num * step);
  return fromNanos(to.currencyCode, scaled * step);
}

/** For people: `"USD 59.97"`, keeping at least two decimals and any finer nanos. */
export function formatMoney(money: Money): string {
  const nanos = toNanos(money);
  const abs = nanos < 0n ? -nanos : nanos;
  const fraction = (abs % NANOS).toString().padStart(9, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${money.currencyCode} ${nanos < 0n ? "-" : ""}${abs / NANOS}.${fraction}`;
}
