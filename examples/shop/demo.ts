/**
 * The tour main.ts runs after start: a few calls made the way any client makes them, ending with a
 * declined card whose structured error travels from payment through checkout to the caller.
 */
import { type App, isWeftError } from "weft";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "./fixtures.js";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout } from "./services/checkout/contract.js";
import { currency } from "./services/currency/contract.js";
import { email } from "./services/email/contract.js";
import { shipping } from "./services/shipping/contract.js";
import { formatMoney } from "./shared/money.js";

/** Where the demo's lines go. */
export type Print = (line?: string) => void;

const USER = "demo-user";
const EMAIL = "ada@example.com";
const ADDRESS = SAMPLE_ADDRESS;
const { sunglasses: SUNGLASSES, mug: MUG, watch: WATCH } = PRODUCT_IDS;
const { good: GOOD_CARD, declined: DECLINED_CARD } = TEST_CARD_NUMBERS;

/** Runs the demo against a started app, printing what each call did. */
export async function runDemo(app: App, print: Print): Promise<void> {
  print("Demo: calls made the way any client makes them, app.client(contract).method(input).");
  const { products } = await app.client(catalog).listProducts({});
  print(`1. catalog.listProducts → ${products.length} products`);
  for (const p of products) print(`     ${p.id}  ${p.name.padEnd(24)}${formatMoney(p.priceUsd)}`);

  await app.client(cart).addItem({ userId: USER, productId: SUNGLASSES, quantity: 2 });
  const filled = await app.client(cart).addItem({ userId: USER, productId: MUG, quantity: 1 });
  const names = new Map(products.map((p) => [p.id, p.name]));
  const lines = filled.items.map((i) => `${i.quantity} × ${names.get(i.productId)}`);
  print(`2. cart.addItem, twice → the cart of ${USER} holds ${lines.join(", ")}`);

  const price = products.find((p) => p.id === SUNGLASSES)?.priceUsd;
  if (price !== undefined) {
    const eur = await app.client(currency).convert({ from: price, toCode: "EUR" });
    print(`3. currency.convert → ${formatMoney(price)} is ${formatMoney(eur)}`);
  }

  const order = await app.client(checkout).placeOrder({
    userId: USER,
    userCurrency: "EUR",
    address: ADDRESS,
    email: EMAIL,
    creditCard: sampleCard(GOOD_CARD),
  });
  print(`4. checkout.placeOrder (in EUR, card ending ${GOOD_CARD.slice(-4)}) → order placed`);
  print(`     order ${order.orderId}, tracking ${order.trackingId}`);
  for (const item of order.items) {
    print(`     ${`${item.quantity} × ${item.name}`.padEnd(28)}${formatMoney(item.cost)}`);
  }
  print(`     ${"shipping".padEnd(28)}${formatMoney(order.shippingCost)}`);
  print(`     ${"total charged".padEnd(28)}${formatMoney(order.total)}`);
  const after = await app.client(cart).getCart({ userId: USER });
  const sent = (await app.client(email).listSent({ to: EMAIL })).messages;
  print(
    `     the cart now holds ${after.items.length} items; confirmation email: "${sent[0]?.subject}"`,
  );

  await app.client(cart).addItem({ userId: USER, productId: WATCH, quantity: 1 });
  const shipped = (await app.client(shipping).listShipments({})).shipments.length;
  const mailed = (await app.client(email).listSent({})).messages.length;
  print(
    `5. checkout.placeOrder with the declined test card ${DECLINED_CARD} (1 × Watch in the cart)`,
  );
  try {
    await app.client(checkout).placeOrder({
      userId: USER,
      userCurrency: "USD",
      address: ADDRESS,
      email: EMAIL,
      creditCard: sampleCard(DECLINED_CARD),
    });
    print("     unexpectedly succeeded");
  } catch (error) {
    if (!isWeftError(error)) throw error;
    print("     failed as expected; payment's error reached this caller through checkout intact:");
    print(`       code      ${error.code}`);
    print(`       reason    ${error.reason}`);
    print(`       message   ${error.message}`);
    const metadata = Object.entries(error.metadata).map(([k, v]) => `${k}=${v}`);
    print(`       metadata  ${metadata.join(" ")}`);
  }
  const still = await app.client(cart).getCart({ userId: USER });
  const newShipments = (await app.client(shipping).listShipments({})).shipments.length - shipped;
  const newMail = (await app.client(email).listSent({})).messages.length - mailed;
  print(
    `     after it: ${newShipments} new shipments, ${newMail} new emails, ${still.items.length} item(s) still in the cart`,
  );
}
