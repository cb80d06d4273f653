/**
 * The shop's behaviour, run in every placement (one process; serialized as over a network; and
 * split into one process per group over NATS): the same calls must give the same results and the
 * same structured errors.
 */

import { expect, it } from "vitest";
import { isWeftError, type WeftError } from "weft";
import { availablePlacements } from "weft/testing";
import { describePlacements } from "weft/testing/vitest";
import { createShop } from "./app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "./fixtures.js";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout } from "./services/checkout/contract.js";
import { currency } from "./services/currency/contract.js";
import { email } from "./services/email/contract.js";
import { loyalty } from "./services/loyalty/contract.js";
import { payment } from "./services/payment/contract.js";
import { shipping } from "./services/shipping/contract.js";
import { addMoney, sumMoney } from "./shared/money.js";
import { eventually, privateDataDir } from "./test-support.js";

/** The Weft error a call failed with (fails the test if it succeeded). */
async function rejectionOf(call: Promise<unknown>): Promise<WeftError> {
  try {
    await call;
  } catch (error) {
    if (isWeftError(error)) return error;
    throw error;
  }
  throw new Error("expected the call to fail, but it succeeded");
}

const paths = (error: WeftError) => error.issues.map((issue) => issue.path);

const placements = await availablePlacements();
const module = new URL("./app.ts", import.meta.url);
// Every app gets its own SQLite file in this folder (named after its unique app name); the group
// processes of the split placement share theirs, as one deployment shares one database.
const dataDir = privateDataDir();
const suite = {
  definition: () => createShop(),
  module,
  placements,
  // The gateway on a free loopback port in every placement; `h().http` is its URL.
  appOptions: { config: { dataDir, httpHost: "127.0.0.1", httpPort: 0 } },
  env: { WEFT_DATA_DIR: dataDir },
};

describePlacements("shop", suite, (h) => {
  const order = (userId: string, overrides: Record<string, unknown> = {}) =>
    h()
      .client(checkout)
      .placeOrder({
        userId,
        userCurrency: "USD",
        address: SAMPLE_ADDRESS,
        email: `${userId}@example.com`,
        creditCard: sampleCard(),
        ...overrides,
      });

  it("answers its HTTP API wherever the gateway runs (here, or in the edge process)", async () => {
    const http = h().http;
    expect(http).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${http}/products`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { products: unknown[] };
    expect(body.products.length).toBeGreaterThan(0);
  });

  it("lists the catalog with integer prices", async () => {
    const { products } = await h().client(catalog).listProducts({});
    expect(products.length).toBeGreaterThanOrEqual(8);
    for (const p of products) {
      expect(Number.isInteger(p.priceUsd.units) && Number.isInteger(p.priceUsd.nanos)).toBe(true);
    }
    expect(products.find((p) => p.id === PRODUCT_IDS.sunglasses)?.priceUsd).toEqual({
      currencyCode: "USD",
      units: 19,
      nanos: 990_000_000,
    });
  });

  it("searches products by name, description or category", async () => {
    const { results } = await h().client(catalog).searchProducts({ query: "KITCHEN" });
    expect(results.map((p) => p.name)).toContain("Mug");
    expect(results.map((p) => p.name)).not.toContain("Watch");
    const shakers = await h().client(catalog).searchProducts({ query: "salt & PEPPER" });
    expect(shakers.results.map((p) => p.name)).toEqual(["Salt & Pepper Shakers"]);
    // Wildcards of SQL's `like` are searched for literally.
    for (const query of ["%", "_", "\\"]) {
      expect((await h().client(catalog).searchProducts({ query })).results).toEqual([]);
    }
  });

  it("answers NOT_FOUND with its reason and metadata for an unknown product", async () => {
    const error = await rejectionOf(h().client(catalog).getProduct({ id: "NO-SUCH-ID" }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.reason).toBe("PRODUCT_NOT_FOUND");
    expect(error.metadata).toEqual({ productId: "NO-SUCH-ID" });
  });

  it("passes the catalog's NOT_FOUND through the cart when adding an unknown product", async () => {
    const add = h().client(cart).addItem({ userId: "u-unknown", productId: "NOPE", quantity: 1 });
    const error = await rejectionOf(add);
    expect([error.code, error.reason, error.metadata]).toEqual([
      "NOT_FOUND",
      "PRODUCT_NOT_FOUND",
      { productId: "NOPE" },
    ]);
    expect((await h().client(cart).getCart({ userId: "u-unknown" })).items).toEqual([]);
  });

  it("refuses quantity 0 or a string with INVALID_ARGUMENT naming the field", async () => {
    const items = h().client(cart);
    for (const quantity of [0, "2" as unknown as number, 1.5]) {
      const error = await rejectionOf(
        items.addItem({ userId: "u-bad", productId: PRODUCT_IDS.mug, quantity }),
      );
      expect(error.code).toBe("INVALID_ARGUMENT");
      expect(paths(error)).toEqual([["quantity"]]);
    }
  });

  it("names every bad field of a nested input at once", async () => {
    const error = await rejectionOf(
      order("u-fields", {
        email: "not-an-email",
        creditCard: { ...sampleCard(), number: "4242-4242", expirationMonth: 13 },
      }),
    );
    expect(error.code).toBe("INVALID_ARGUMENT");
    expect(paths(error)).toEqual(
      expect.arrayContaining([
        ["email"],
        ["creditCard", "number"],
        ["creditCard", "expirationMonth"],
      ]),
    );
  });

  it("refuses a card number that fails the Luhn check", async () => {
    const card = { ...sampleCard(), number: "4242424242424241" };
    const error = await rejectionOf(order("u-luhn", { creditCard: card }));
    expect(paths(error)).toEqual([["creditCard", "number"]]);
  });

  it("converts at fixed rates, rounded to the currency's minor unit", async () => {
    const from = { currencyCode: "USD", units: 19, nanos: 990_000_000 };
    const rates = h().client(currency);
    expect(await rates.convert({ from, toCode: "EUR" })).toEqual({
      currencyCode: "EUR",
      units: 17,
      nanos: 680_000_000,
    });
    expect(await rates.convert({ from, toCode: "JPY" })).toEqual({
      currencyCode: "JPY",
      units: 2235,
      nanos: 0,
    });
    expect((await rates.getSupportedCurrencies({})).currencyCodes).toContain("EUR");
  });

  it("refuses an unsupported currency, naming the field", async () => {
    const from = { currencyCode: "USD", units: 1, nanos: 0 };
    const error = await rejectionOf(h().client(currency).convert({ from, toCode: "XYZ" }));
    expect([error.code, error.reason]).toEqual(["INVALID_ARGUMENT", "UNSUPPORTED_CURRENCY"]);
    expect(paths(error)).toEqual([["toCode"]]);
    const viaCheckout = await rejectionOf(order("u-xyz", { userCurrency: "XYZ" }));
    expect(viaCheckout.reason).toBe("UNSUPPORTED_CURRENCY");
    expect(paths(viaCheckout)).toEqual([["userCurrency"]]);
  });

  it("places an order: charged in the user's currency, cart emptied, email sent", async () => {
    const userId = "buyer-usd";
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.sunglasses, quantity: 1 });
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.sunglasses, quantity: 1 });
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 1 });
    const result = await order(userId);

    const usd = (units: number, nanos: number) => ({ currencyCode: "USD", units, nanos });
    expect(result.items.map((i) => [i.productId, i.quantity, i.cost])).toEqual([
      [PRODUCT_IDS.sunglasses, 2, usd(39, 980_000_000)],
      [PRODUCT_IDS.mug, 1, usd(8, 990_000_000)],
    ]);
    // Domestic shipping: 4.99 plus 0.99 for each item after the first.
    expect(result.shippingCost).toEqual(usd(6, 970_000_000));
    expect(result.total).toEqual(usd(55, 940_000_000));
    expect(result.orderId).not.toBe("");
    expect(new Date(result.placedAt).toISOString()).toBe(result.placedAt);

    expect((await h().client(cart).getCart({ userId })).items).toEqual([]);
    // Email and loyalty follow the order.placed event, shortly after the order returns.
    const { messages } = await eventually(
      () =>
        h()
          .client(email)
          .listSent({ to: `${userId}@example.com` }),
      (sent) => sent.messages.length > 0,
    );
    expect(messages.map((m) => m.orderId)).toEqual([result.orderId]);
    expect(messages[0]?.text).toContain("USD 55.94");
    const account = await eventually(
      () => h().client(loyalty).getAccount({ userId }),
      (a) => a.orders.length > 0,
    );
    expect(account).toEqual({
      userId,
      points: 55,
      orders: [{ orderId: result.orderId, points: 55 }],
    });
    const { shipments } = await h().client(shipping).listShipments({});
    expect(shipments.find((s) => s.trackingId === result.trackingId)?.status).toBe("shipped");
  });

  it("prices every line and the shipping in the user's currency", async () => {
    const userId = "buyer-eur";
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.sunglasses, quantity: 2 });
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 1 });
    const result = await order(userId, { userCurrency: "EUR" });

    const eur = (units: number, nanos: number) => ({ currencyCode: "EUR", units, nanos });
    expect(result.items.map((i) => i.unitPrice)).toEqual([
      eur(17, 680_000_000),
      eur(7, 950_000_000),
    ]);
    expect(result.shippingCost).toEqual(eur(6, 170_000_000));
    const lines = sumMoney(
      "EUR",
      result.items.map((i) => i.cost),
    );
    expect(result.total).toEqual(addMoney(lines, result.shippingCost));
    expect(result.total).toEqual(eur(49, 480_000_000));
  });

  it("lets a declined card's error reach the caller intact, and ships nothing", async () => {
    const userId = "buyer-declined";
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.watch, quantity: 1 });
    const before = (await h().client(shipping).listShipments({})).shipments.length;

    const card = sampleCard(TEST_CARD_NUMBERS.declined);
    const error = await rejectionOf(order(userId, { creditCard: card }));
    expect(error.code).toBe("FAILED_PRECONDITION");
    expect(error.reason).toBe("CARD_DECLINED");
    expect(error.metadata).toEqual({
      last4: "0002",
      brand: "visa",
      declineCode: "generic_decline",
    });
    expect(error.message).toContain("declined");

    expect((await h().client(shipping).listShipments({})).shipments.length).toBe(before);
    const { messages } = await h()
      .client(email)
      .listSent({ to: `${userId}@example.com` });
    expect(messages).toEqual([]);
    expect((await h().client(cart).getCart({ userId })).items).toEqual([
      { productId: PRODUCT_IDS.watch, quantity: 1 },
    ]);
  });

  it("refuses an expired card with CARD_EXPIRED", async () => {
    const userId = "buyer-expired";
    await h().client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 1 });
    const card = { ...sampleCard(), expirationYear: 2020, expirationMonth: 1 };
    const error = await rejectionOf(order(userId, { creditCard: card }));
    expect([error.code, error.reason]).toEqual(["FAILED_PRECONDITION", "CARD_EXPIRED"]);
    expect(error.metadata).toMatchObject({ last4: "4242", expiration: "2020-01" });
  });

  it("refuses to check out an empty cart", async () => {
    const error = await rejectionOf(order("buyer-empty"));
    expect([error.code, error.reason]).toEqual(["FAILED_PRECONDITION", "CART_EMPTY"]);
  });

  it("refunds a charge once, however often asked", async () => {
    const pay = h().client(payment);
    const amount = { currencyCode: "USD", units: 10, nanos: 0 };
    const { transactionId } = await pay.charge({ amount, creditCard: sampleCard() });
    const first = await pay.refund({ transactionId });
    expect(await pay.refund({ transactionId })).toEqual(first);
    const error = await rejectionOf(pay.refund({ transactionId: "no-such-charge" }));
    expect([error.code, error.reason]).toEqual(["NOT_FOUND", "TRANSACTION_NOT_FOUND"]);
  });

  it("cancels a shipment", async () => {
    const ship = h().client(shipping);
    const items = [{ productId: PRODUCT_IDS.mug, quantity: 1 }];
    const { trackingId } = await ship.shipOrder({ address: SAMPLE_ADDRESS, items });
    expect((await ship.cancelShipment({ trackingId })).status).toBe("cancelled");
    const error = await rejectionOf(ship.cancelShipment({ trackingId: "TRK-NONE" }));
    expect([error.code, error.reason]).toEqual(["NOT_FOUND", "SHIPMENT_NOT_FOUND"]);
  });
});
