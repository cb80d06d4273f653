/** Sample inputs the demo and the tests share: an address, product ids and test cards. */

import type { CreditCard } from "./services/payment/contract.js";
import type { Address } from "./shared/address.js";

/** A US address (domestic shipping). */
export const SAMPLE_ADDRESS: Address = {
  streetAddress: "1600 Amphitheatre Parkway",
  city: "Mountain View",
  state: "CA",
  country: "US",
  zipCode: "94043",
};

/** Ids of a few catalog products. */
export const PRODUCT_IDS = {
  sunglasses: "OLJCESPC7Z",
  watch: "1YMWWN1N4O",
  mug: "6E92ZMYYFZ",
} as const;

/** The fake processor's test numbers: one it charges, one it always declines. */
export const TEST_CARD_NUMBERS = {
  good: "4242424242424242",
  declined: "4000000000000002",
} as const;

/** A card with `number` that expires at the end of the year after next. */
export function sampleCard(number: string = TEST_CARD_NUMBERS.good): CreditCard {
  return {
    number,
    cvv: "123",
    expirationYear: new Date().getUTCFullYear() + 2,
    expirationMonth: 12,
  };
}
