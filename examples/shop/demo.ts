/**
 * The tour main.ts runs after start: a few calls made the way any client makes them. An order is
 * placed by the checkout workflow, whose journal shows each step; a declined card's structured
 * error travels from payment through checkout to the caller while the run releases the stock it
 * had reserved; an address the carrier refuses fails the order after the charge, so the run
 * refunds it. The data is the store's and outlives the process: each run of the demo starts by
 * emptying its user's cart and places new orders.
 */
import type { App } from "weft";
import { describeRun, failureOf, newOrderId } from "./demo-orders.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "./fixtures.js";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout, type PlaceOrderRequest } from "./services/checkout/contract.js";
import { currency } from "./services/currency/contract.js";
import { email } from "./services/email/contract.js";
import { payment } from "./services/payment/contract.js";
import { shipping } from "./services/shipping/contract.js";
import { formatMoney } from "./shared/money.js";

/** Where the demo's lines go. */
export type Print = (line?: string) => void;

const USER = "demo-user";
const EMAIL = "ada@example.com";
const { sunglasses: SUNGLASSES, mug: MUG, watch: WATCH } = PRODUCT_IDS;
const { good: GOOD_CARD, declined: DECLINED_CARD } = TEST_CARD_NUMBERS;

/** An order of the demo user's cart. */
const orderOf = (overrides: Partial<PlaceOrderRequest>): PlaceOrderRequest => ({
  orderId: newOrderId(),
  userId: USER,
  userCurrency: "USD",
  address: SAMPLE_ADDRESS,
  email: EMAIL,
  creditCard: sampleCard(GOOD_CARD),
  ...overrides,
});

/** Runs the demo against a started app, printing what each call did. */
export async function runDemo(app: App, print: Print): Promise<void> {
  print("Demo: calls made the way any client makes them, app.client(contract).method(input).");
  const { products } = await app.client(catalog).listProducts({});
  print(`1. catalog.listProducts → ${products.length} products`);
  for (const p of products) print(`     ${p.id}  ${p.name.padEnd(24)}${formatMoney(p.priceUsd)}`);

  await app.client(cart).emptyCart({ userId: USER });
  await app.client(cart).addItem({ userId: USER, productId: SUNGLASSES, quantity: 2 });
  const filled = await app.client(cart).addItem({ userId: USER, productId: MUG, quantity: 1 });
  const names = new Map(products.map((p) => [p.id, p.name]));
  const lines = filled.items.map((i) => `${i.quantity} × ${names.get(i.productId)}`);
  print(
    `2. cart.emptyCart, then cart.addItem twice → the cart of ${USER} holds ${lines.join(", ")}`,
  );

  const price = products.find((p) => p.id === SUNGLASSES)?.priceUsd;
  if (price !== undefined) {
    const eur = await app.client(currency).convert({ from: price, toCode: "EUR" });
    print(`3. currency.convert → ${formatMoney(price)} is ${formatMoney(eur)}`);
  }

  const request = orderOf({ userCurrency: "EUR" });
  const order = await app.client(checkout).placeOrder(request);
  print(`4. checkout.placeOrder (in EUR, card ending ${GOOD_CARD.slice(-4)}) → order placed`);
  print(`     order ${order.orderId}, tracking ${order.trackingId}`);
  for (const item of order.items) {
    print(`     ${`${item.quantity} × ${item.name}`.padEnd(28)}${formatMoney(item.cost)}`);
  }
  print(`     ${"shipping".padEnd(28)}${formatMoney(order.shippingCost)}`);
  print(`     ${"total charged".padEnd(28)}${formatMoney(order.total)}`);
  const after = await app.client(cart).getCart({ userId: USER });
  // The confirmation follows the order.placed event the checkout published: wait for it a little.
  let confirmation: { subject: string } | undefined;
  for (let i = 0; i < 200 && confirmation === undefined; i++) {
    const sent = (await app.client(email).listSent({ to: EMAIL })).messages;
    confirmation = sent.find((m) => m.orderId === order.orderId);
    if (confirmation === undefined) await new Promise((r) => setTimeout(r, 25));
  }
  print(
    `     the cart now holds ${after.items.length} items; confirmation email: "${confirmation?.subject}"`,
  );
  print(`     ${await describeRun(app, order.orderId)}`);
  const again = await app.client(checkout).placeOrder(request);
  print(
    `     placed again with the same order id → the same order (tracking ${again.trackingId}): the order id is the run's id, so it is charged once`,
  );

  await app.client(cart).addItem({ userId: USER, productId: WATCH, quantity: 1 });
  const shipped = (await app.client(shipping).listShipments({})).shipments.length;
  const mailed = (await app.client(email).listSent({})).messages.length;
  print(
    `5. checkout.placeOrder with the declined test card ${DECLINED_CARD} (1 × Watch in the cart)`,
  );
  const declined = orderOf({ creditCard: sampleCard(DECLINED_CARD) });
  const error = await failureOf(app.client(checkout).placeOrder(declined));
  if (error === undefined) print("     unexpectedly succeeded");
  else {
    print("     failed as expected; payment's error reached this caller through checkout intact:");
    print(`       code      ${error.code}`);
    print(`       reason    ${error.reason}`);
    print(`       message   ${error.message}`);
    const metadata = Object.entries(error.metadata).map(([k, v]) => `${k}=${v}`);
    print(`       metadata  ${metadata.join(" ")}`);
  }
  print(`     ${await describeRun(app, declined.orderId as string)}`);
  print(
    "     the reserved Watch went back in stock; the card was never charged: nothing to refund",
  );
  const still = await app.client(cart).getCart({ userId: USER });
  const newShipments = (await app.client(shipping).listShipments({})).shipments.length - shipped;
  const newMail = (await app.client(email).listSent({})).messages.length - mailed;
  print(
    `     after it: ${newShipments} new shipments, ${newMail} new emails, ${still.items.length} item(s) still in the cart`,
  );

  await undeliverable(app, print);
}

/** Step 6: the carrier refuses the address after the card was charged, so the run refunds it. */
async function undeliverable(app: App, print: Print): Promise<void> {
  const address = { ...SAMPLE_ADDRESS, zipCode: "00000" };
  print(
    `6. checkout.placeOrder of the same cart to zip ${address.zipCode}, which the carrier refuses`,
  );
  const request = orderOf({ address });
  const error = await failureOf(app.client(checkout).placeOrder(request));
  print(`     failed: ${error?.code} ${error?.reason}, after the card was charged`);
  print(`     ${await describeRun(app, request.orderId as string)}`);
  const { transactionId } = await app
    .client(checkout)
    .getOrder({ orderId: request.orderId as string });
  if (transactionId === undefined) return;
  const charge = await app.client(payment).getCharge({ transactionId });
  print(
    `     payment.getCharge → ${formatMoney(charge.amount)} charged at ${charge.chargedAt}, refunded at ${charge.refundedAt ?? "(not refunded)"}`,
  );
}
