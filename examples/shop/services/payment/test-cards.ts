/**
 * Test card numbers the fake processor declines, with their decline codes (the numbers Stripe uses
 * for the same cases). Any other valid Visa or Mastercard number is charged.
 */

/** Card number → decline code. */
export const DECLINED_CARDS: ReadonlyMap<string, string> = new Map([
  ["4000000000000002", "generic_decline"],
  ["4000000000009995", "insufficient_funds"],
]);
