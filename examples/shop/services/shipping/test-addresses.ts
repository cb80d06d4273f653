/**
 * Postal codes the fake carrier refuses to deliver to, like the processor's test cards: they let a
 * demo or a test make an order fail after the card was charged. Quotes still work for them.
 */

/** Postal code → why the carrier refuses it. */
export const UNDELIVERABLE_ZIP_CODES: ReadonlyMap<string, string> = new Map([
  ["00000", "no such postal code"],
]);
