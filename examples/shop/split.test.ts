/**
 * The shop split into three processes — edge, orders, catalog — started with the same command a
 * deployment uses (`weft start app.ts --group G`), over NATS. Each answer says which process gave
 * it, so the test proves every callee ran in the process of its group, not in the test's.
 *
 * The three processes share one store, as a deployment shares one database: here one SQLite file
 * (same data folder, same app name), with PostgreSQL one schema. Each group migrates the tables of
 * its own services. Every process runs a workflow engine on the shared journal: a checkout run
 * executes in the process that starts it — edge, where `placeOrder` runs — and its steps call the
 * other groups over NATS; if edge died, another process would resume the run once its lease lapsed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWeftError } from "weft";
import { type SplitHarness, startSplit, unreachable } from "weft/testing";
import { createShop, SHOP_GROUPS } from "./app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "./fixtures.js";
import { cart } from "./services/cart/contract.js";
import { catalog } from "./services/catalog/contract.js";
import { checkout } from "./services/checkout/contract.js";
import { email } from "./services/email/contract.js";
import { loyalty } from "./services/loyalty/contract.js";
import { eventually, privateDataDir } from "./test-support.js";

const skip = await unreachable("nats");

describe.skipIf(skip)("shop split across processes", () => {
  const dataDir = privateDataDir();
  let h: SplitHarness;
  beforeAll(async () => {
    h = await startSplit({
      module: new URL("./app.ts", import.meta.url),
      definition: createShop(),
      natsUrl: "nats://127.0.0.1:4222",
      env: { WEFT_DATA_DIR: dataDir },
      appOptions: { config: { dataDir } },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  const pidOf = (group: string) => h.processes.find((p) => p.group === group)?.pid;

  it("runs each group in its own process", () => {
    expect(h.processes.map((p) => p.group).sort()).toEqual(Object.keys(SHOP_GROUPS).sort());
    const pids = new Set(h.processes.map((p) => p.pid));
    expect(pids.size).toBe(3);
    expect(pids.has(process.pid)).toBe(false);
    expect(h.app.describe().localServices).toEqual([]);
  });

  it("serves every call from the process of the callee's group", async () => {
    const userId = "split-user";
    await h.client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 2 });
    const products = await h.client(catalog).listProducts({});
    expect(products.products.length).toBeGreaterThan(0);
    const order = await h.client(checkout).placeOrder({
      userId,
      userCurrency: "EUR",
      email: "split@example.com",
      address: SAMPLE_ADDRESS,
      creditCard: sampleCard(),
    });
    expect(order.items).toHaveLength(1);
    expect(order.total.currencyCode).toBe("EUR");
    // The order went edge → orders (cart, payment, shipping) and edge → catalog; order.placed
    // went through JetStream to email and loyalty (in the orders process).
    const sent = await eventually(
      () => h.client(email).listSent({ to: "split@example.com" }),
      (s) => s.messages.length > 0,
    );
    expect(sent.messages.length).toBe(1);
    const account = await eventually(
      () => h.client(loyalty).getAccount({ userId }),
      (a) => a.orders.length > 0,
    );
    expect(account.orders.map((o) => o.orderId)).toEqual([order.orderId]);
    expect(h.responders.get("cart")).toEqual(new Set([pidOf("orders")]));
    expect(h.responders.get("email")).toEqual(new Set([pidOf("orders")]));
    expect(h.responders.get("catalog")).toEqual(new Set([pidOf("catalog")]));
    expect(h.responders.get("checkout")).toEqual(new Set([pidOf("edge")]));
    const run = await h.client(checkout).getOrder({ orderId: order.orderId });
    expect(run.status).toBe("completed");
    expect(run.steps.map((s) => s.name)).toEqual([
      "price",
      "reserve-stock",
      "charge",
      "ship",
      "empty-cart",
      "announce",
    ]);
  });

  it("carries payment's error through checkout across two process hops intact", async () => {
    const userId = "split-declined";
    await h.client(cart).addItem({ userId, productId: PRODUCT_IDS.watch, quantity: 1 });
    const error = await h
      .client(checkout)
      .placeOrder({
        userId,
        userCurrency: "USD",
        email: "declined@example.com",
        address: SAMPLE_ADDRESS,
        creditCard: sampleCard(TEST_CARD_NUMBERS.declined),
      })
      .catch((e: unknown) => e);
    expect(isWeftError(error)).toBe(true);
    expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "CARD_DECLINED" });
    expect((error as { metadata: Record<string, string> }).metadata.last4).toBe("0002");
  });

  it("compensates a declined order in the journal every process shares", async () => {
    const userId = "split-compensated";
    const orderId = `split-${process.pid}-declined`;
    await h.client(cart).addItem({ userId, productId: PRODUCT_IDS.mug, quantity: 1 });
    const request = {
      orderId,
      userId,
      userCurrency: "USD",
      email: "compensated@example.com",
      address: SAMPLE_ADDRESS,
      creditCard: sampleCard(TEST_CARD_NUMBERS.declined),
    };
    await expect(h.client(checkout).placeOrder(request)).rejects.toMatchObject({
      reason: "CARD_DECLINED",
    });
    const run = await h.client(checkout).getOrder({ orderId });
    expect(run.status).toBe("compensated");
    expect(run.steps.map((s) => s.name)).toEqual([
      "price",
      "reserve-stock",
      "charge",
      "compensate:reserve-stock",
    ]);
    expect(run.error?.metadata).toMatchObject({ last4: "0002", declineCode: "generic_decline" });
  });
});
