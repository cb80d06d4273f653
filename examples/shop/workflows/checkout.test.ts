/**
 * The checkout workflow, in every placement, on SQLite and on PostgreSQL: the steps a run records,
 * the compensations of a failed order (in reverse order, status `compensated`, the failing step's
 * error kept with its metadata), and the order id as idempotency key.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AppOptions, isWeftError, type WeftError } from "weft";
import { availablePlacements, unreachable } from "weft/testing";
import { describePlacements } from "weft/testing/vitest";
import { createShop } from "../app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "../fixtures.js";
import { cart } from "../services/cart/contract.js";
import { catalog } from "../services/catalog/contract.js";
import { INITIAL_STOCK } from "../services/catalog/stock.js";
import { checkout, type PlaceOrderRequest } from "../services/checkout/contract.js";
import { email } from "../services/email/contract.js";
import { payment } from "../services/payment/contract.js";
import { shipping } from "../services/shipping/contract.js";
import { MAX_LINE_QUANTITY } from "../shared/order.js";
import { dropSchemas, eventually, privateDataDir, TEST_DATABASE_URL } from "../test-support.js";

const placements = await availablePlacements();
const skipPostgres = await unreachable("postgres");
const module = new URL("../app.ts", import.meta.url);
const dataDir = privateDataDir();
/** PostgreSQL schemas the apps made (one per app, named after it), dropped after every test. */
const schemas: string[] = [];
afterAll(() => dropSchemas(TEST_DATABASE_URL, schemas), 30_000);

const STORES: readonly {
  name: string;
  skip: boolean;
  appOptions: AppOptions;
  env: Record<string, string>;
}[] = [
  {
    name: "sqlite",
    skip: false,
    appOptions: { config: { dataDir } },
    env: { WEFT_DATA_DIR: dataDir },
  },
  {
    name: "postgres",
    skip: skipPostgres,
    appOptions: { config: { databaseUrl: TEST_DATABASE_URL } },
    env: { WEFT_DATABASE_URL: TEST_DATABASE_URL },
  },
];

/** The Weft error a call failed with (fails the test if it succeeded). */
async function rejectionOf(call: Promise<unknown>): Promise<WeftError> {
  const outcome = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (isWeftError(outcome)) return outcome;
  throw new Error(`expected a Weft error, got ${String(outcome)}`);
}

/** A product only the stock-short test orders (it reserves all of its stock for a while). */
const SHORT_PRODUCT = "9SIQT8TOJO";

for (const store of STORES) {
  describe.skipIf(store.skip)(`checkout workflow on ${store.name}`, () => {
    const suite = { definition: () => createShop(), module, placements, ...store };
    describePlacements(`checkout workflow on ${store.name}`, suite, (h) => {
      beforeAll(() => {
        if (store.name === "postgres") schemas.push(h().app.name);
      });

      /** Fills a fresh user's cart and returns the request that orders it. */
      async function cartOf(lines: [string, number][], card = sampleCard()) {
        const userId = `buyer-${randomUUID().slice(0, 8)}`;
        for (const [productId, quantity] of lines) {
          await h().client(cart).addItem({ userId, productId, quantity });
        }
        const request: PlaceOrderRequest = {
          orderId: `order-${randomUUID()}`,
          userId,
          userCurrency: "USD",
          address: SAMPLE_ADDRESS,
          email: `${userId}@example.com`,
          creditCard: card,
        };
        return request;
      }
      const place = (request: PlaceOrderRequest) => h().client(checkout).placeOrder(request);
      const statusOf = (orderId: string) => h().client(checkout).getOrder({ orderId });
      const stockOf = async (productId: string) =>
        (await h().client(catalog).getStock({ productId })).available;
      const names = (steps: readonly { name: string }[]) => steps.map((s) => s.name);

      it("records every step of a placed order, in order", async () => {
        const before = await stockOf(PRODUCT_IDS.mug);
        const request = await cartOf([[PRODUCT_IDS.mug, 2]]);
        const order = await place(request);
        expect(order.orderId).toBe(request.orderId);

        const status = await statusOf(order.orderId);
        expect(status.status).toBe("completed");
        expect(names(status.steps)).toEqual([
          "price",
          "reserve-stock",
          "charge",
          "ship",
          "empty-cart",
          "announce",
        ]);
        expect(status.steps.every((s) => s.ok)).toBe(true);
        expect(status.order).toEqual(order);
        expect(status.transactionId).toBe(order.transactionId);
        expect(status.error).toBeUndefined();
        expect(await stockOf(PRODUCT_IDS.mug)).toBe(before - 2);
      });

      it("undoes the reservation of a declined card and keeps payment's error", async () => {
        const before = await stockOf(PRODUCT_IDS.watch);
        const request = await cartOf(
          [[PRODUCT_IDS.watch, 1]],
          sampleCard(TEST_CARD_NUMBERS.declined),
        );
        const error = await rejectionOf(place(request));
        expect([error.code, error.reason]).toEqual(["FAILED_PRECONDITION", "CARD_DECLINED"]);

        const status = await statusOf(request.orderId as string);
        expect(status.status).toBe("compensated");
        expect(status.steps).toEqual([
          { name: "price", ok: true },
          { name: "reserve-stock", ok: true },
          { name: "charge", ok: false, reason: "CARD_DECLINED" },
          { name: "compensate:reserve-stock", ok: true },
        ]);
        expect(status.error).toEqual({
          code: "FAILED_PRECONDITION",
          reason: "CARD_DECLINED",
          message: error.message,
          metadata: { last4: "0002", brand: "visa", declineCode: "generic_decline" },
        });
        expect(status.transactionId).toBeUndefined();
        expect(await stockOf(PRODUCT_IDS.watch)).toBe(before);
      });

      it("refunds and releases, newest first, when the carrier refuses the address", async () => {
        const before = await stockOf(PRODUCT_IDS.sunglasses);
        const request = await cartOf([[PRODUCT_IDS.sunglasses, 3]]);
        const undeliverable = { ...SAMPLE_ADDRESS, zipCode: "00000" };
        const error = await rejectionOf(place({ ...request, address: undeliverable }));
        expect([error.code, error.reason]).toEqual([
          "FAILED_PRECONDITION",
          "ADDRESS_UNDELIVERABLE",
        ]);

        const status = await statusOf(request.orderId as string);
        expect(status.status).toBe("compensated");
        expect(names(status.steps)).toEqual([
          "price",
          "reserve-stock",
          "charge",
          "ship",
          "compensate:charge",
          "compensate:reserve-stock",
        ]);
        expect(status.error?.metadata).toEqual({ zipCode: "00000", country: "US" });
        const charge = await h()
          .client(payment)
          .getCharge({ transactionId: status.transactionId as string });
        expect(charge.orderId).toBe(request.orderId);
        expect(charge.refundedAt).toBeDefined();
        expect(await stockOf(PRODUCT_IDS.sunglasses)).toBe(before);
        const { shipments } = await h().client(shipping).listShipments({});
        expect(shipments.filter((s) => s.orderId === request.orderId)).toEqual([]);
        expect((await h().client(cart).getCart({ userId: request.userId })).items).toHaveLength(1);
      });

      it("places an order once per order id, however often asked", async () => {
        const before = await stockOf(PRODUCT_IDS.mug);
        const request = await cartOf([[PRODUCT_IDS.mug, 1]]);
        const first = await place(request);
        const again = await Promise.all([place(request), place(request)]);
        expect(again).toEqual([first, first]);
        expect(await stockOf(PRODUCT_IDS.mug)).toBe(before - 1);
        // The confirmation follows the order.placed event: once, however often the order was asked.
        const sent = await eventually(
          () => h().client(email).listSent({ to: request.email }),
          (s) => s.messages.length > 0,
        );
        await new Promise((r) => setTimeout(r, 200));
        expect(sent.messages.map((m) => m.orderId)).toEqual([first.orderId]);
        expect(
          (await h().client(email).listSent({ to: request.email })).messages.map((m) => m.orderId),
        ).toEqual([first.orderId]);
        expect(names((await statusOf(first.orderId)).steps)).toHaveLength(6);

        const changed = await rejectionOf(place({ ...request, userCurrency: "EUR" }));
        expect([changed.code, changed.reason]).toEqual(["ALREADY_EXISTS", "RUN_EXISTS"]);
      });

      it("gives the same failure again for a failed order id", async () => {
        const request = await cartOf(
          [[PRODUCT_IDS.mug, 1]],
          sampleCard(TEST_CARD_NUMBERS.declined),
        );
        const first = await rejectionOf(place(request));
        const again = await rejectionOf(place(request));
        expect([again.code, again.reason, again.metadata]).toEqual([
          first.code,
          first.reason,
          first.metadata,
        ]);
        expect(names((await statusOf(request.orderId as string)).steps)).toHaveLength(4);
      });

      it("fails without compensating when the stock is short", async () => {
        // A cart line holds at most MAX_LINE_QUANTITY, less than INITIAL_STOCK: first reserve
        // the whole stock of a product no other test here orders, and give it back at the end.
        const product = SHORT_PRODUCT;
        const drains: string[] = [];
        for (let left = await stockOf(product); left > 0; left = await stockOf(product)) {
          const orderId = `drain-${randomUUID()}`;
          const quantity = Math.min(left, MAX_LINE_QUANTITY);
          await h()
            .client(catalog)
            .reserveStock({ orderId, items: [{ productId: product, quantity }] });
          drains.push(orderId);
        }
        try {
          const request = await cartOf([[product, 1]]);
          const error = await rejectionOf(place(request));
          expect([error.code, error.reason]).toEqual(["FAILED_PRECONDITION", "OUT_OF_STOCK"]);
          expect(error.metadata).toMatchObject({ productId: product });
          const status = await statusOf(request.orderId as string);
          expect(status.status).toBe("failed");
          expect(status.steps).toEqual([
            { name: "price", ok: true },
            { name: "reserve-stock", ok: false, reason: "OUT_OF_STOCK" },
          ]);
        } finally {
          for (const orderId of drains) await h().client(catalog).releaseStock({ orderId });
        }
        expect(await stockOf(product)).toBe(INITIAL_STOCK);
      });

      it("answers NOT_FOUND for an unknown order", async () => {
        const error = await rejectionOf(statusOf("no-such-order"));
        expect([error.code, error.reason, error.metadata]).toEqual([
          "NOT_FOUND",
          "ORDER_NOT_FOUND",
          { orderId: "no-such-order" },
        ]);
      });
    });
  });
}
