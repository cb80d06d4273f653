/** Card number checks: the Luhn checksum and the brand, read from the number's prefix. */

/** A card brand, from the number's prefix. */
export type CardBrand = "visa" | "mastercard" | "amex" | "other";

/** True when a string of digits passes the Luhn checksum that every card number carries. */
export function isLuhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The brand of a card number. */
export function cardBrand(digits: string): CardBrand {
  if (/^4/.test(digits)) return "visa";
  if (/^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d{2}|27[01]\d|2720)/.test(digits)) return "mastercard";
  if (/^3[47]/.test(digits)) return "amex";
  return "other";
}

/** The last four digits: all of a card number that may be shown or logged. */
export function last4(digits: string): string {
  return digits.slice(-4);
}
