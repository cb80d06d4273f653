/** The shipping rate card: a base price by destination plus a price per extra item, in USD. */

import type { Address } from "../../shared/address.js";
import { addMoney, type Money, multiplyMoney } from "../../shared/money.js";
import type { CartItem } from "../../shared/order.js";

const usd = (units: number, cents: number): Money => ({
  currencyCode: "USD",
  units,
  nanos: cents * 10_000_000,
});

/** Where domestic (cheaper) shipping goes. */
const HOME_COUNTRY = "US";
const DOMESTIC = usd(4, 99);
const INTERNATIONAL = usd(14, 99);
const PER_EXTRA_ITEM = usd(0, 99);

/** The cost of shipping `items` to `address`. */
export function quoteShipping(address: Address, items: readonly CartItem[]): Money {
  const count = items.reduce((n, item) => n + item.quantity, 0);
  const base = address.country === HOME_COUNTRY ? DOMESTIC : INTERNATIONAL;
  return addMoney(base, multiplyMoney(PER_EXTRA_ITEM, Math.max(count - 1, 0)));
}
