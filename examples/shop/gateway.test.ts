/**
 * The shop's HTTP API over real HTTP, in one process and split into three processes over NATS
 * (`weft start app.ts --group G`; the gateway's listener runs in the `edge` process only). The same
 * requests get the same answers: browsing, the cart, checkout with an `Idempotency-Key` (a retry
 * replays the order instead of placing it twice; a declined card is a 409 problem with the
 * payment's reason), the order's status from its workflow run, loyalty points for staff holding a
 * development token, validation problems with JSON Pointers, and an OpenAPI document whose paths
 * are the route table.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnyContract, type App, type Client, createApp } from "weft";
import { GATEWAY } from "weft/gateway";
import { freePort, type SplitHarness, startSplit, uniqueName, unreachable } from "weft/testing";
import { createShop } from "./app.js";
import { devToken } from "./dev-token.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard, TEST_CARD_NUMBERS } from "./fixtures.js";
import { createShopGateway } from "./gateway.js";
import { email } from "./services/email/contract.js";
import { eventually, privateDataDir, untilListening } from "./test-support.js";

/** An answer, read whole. */
interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

async function http(
  base: string,
  method: string,
  path: string,
  json?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: json === undefined ? headers : { "content-type": "application/json", ...headers },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** What the shared tests need of a running shop. */
interface Shop {
  url: string;
  client<C extends AnyContract>(contract: C): Client<C>;
}

/** The same HTTP tests, against a shop in one process or split. */
function shopOverHttp(shop: () => Shop, label: string) {
  const order = (userId: string, card = sampleCard()) => ({
    userId,
    userCurrency: "EUR",
    email: `${userId}@example.com`,
    address: SAMPLE_ADDRESS,
    creditCard: card,
  });

  it("browses products and currencies", async () => {
    const { url } = shop();
    const list = await http(url, "GET", "/products");
    expect(list.status).toBe(200);
    expect(((list.body?.products ?? []) as unknown[]).length).toBeGreaterThan(3);
    const mug = await http(url, "GET", `/products/${PRODUCT_IDS.mug}`);
    expect(mug.body).toMatchObject({ id: PRODUCT_IDS.mug, priceUsd: { currencyCode: "USD" } });
    const search = await http(url, "GET", "/products/search?query=MUG");
    expect(((search.body?.results ?? []) as { id: string }[]).map((p) => p.id)).toContain(
      PRODUCT_IDS.mug,
    );
    const missing = await http(url, "GET", "/products/NOPE");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toBe("application/problem+json");
    expect(missing.body).toMatchObject({
      code: "NOT_FOUND",
      reason: "PRODUCT_NOT_FOUND",
      instance: "/products/NOPE",
    });
    const currencies = await http(url, "GET", "/currencies");
    expect(currencies.body?.currencyCodes).toContain("EUR");
  });

  it("fills and empties a cart", async () => {
    const { url } = shop();
    const user = `${label}-cart`;
    const added = await http(url, "POST", `/carts/${user}/items`, {
      productId: PRODUCT_IDS.mug,
      quantity: 2,
    });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      userId: user,
      items: [{ productId: PRODUCT_IDS.mug, quantity: 2 }],
    });
    expect((await http(url, "GET", `/carts/${user}`)).body).toEqual(added.body);
    const bad = await http(url, "POST", `/carts/${user}/items`, {
      productId: PRODUCT_IDS.mug,
      quantity: 0,
    });
    expect(bad.status).toBe(400);
    expect(bad.body?.errors).toEqual([{ pointer: "/quantity", detail: expect.any(String) }]);
    expect((await http(url, "DELETE", `/carts/${user}`)).status).toBe(204);
    expect((await http(url, "GET", `/carts/${user}`)).body).toEqual({ userId: user, items: [] });
  });

  it("places an order once per Idempotency-Key and shows its status", async () => {
    const { url } = shop();
    const user = `${label}-buyer`;
    await http(url, "POST", `/carts/${user}/items`, {
      productId: PRODUCT_IDS.sunglasses,
      quantity: 1,
    });
    const withoutKey = await http(url, "POST", "/checkout", order(user));
    expect(withoutKey.status).toBe(400);
    expect(withoutKey.body).toMatchObject({ reason: "IDEMPOTENCY_KEY_MISSING" });
    const key = { "idempotency-key": `${label}-order-1` };
    const placed = await http(url, "POST", "/checkout", order(user), key);
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      items: [{ productId: PRODUCT_IDS.sunglasses }],
      total: { currencyCode: "EUR" },
    });
    expect(placed.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    // With no order id in the body, the order id is the key's idempotency-id: a retry with the key
    // after an answer that did not know the outcome places this same order, not a second one.
    expect(placed.body?.orderId).toMatch(/^[0-9a-f]{32}$/);
    const retried = await http(url, "POST", "/checkout", order(user), key);
    expect(retried.status).toBe(201);
    expect(retried.headers.get("idempotency-replayed")).toBe("true");
    expect(retried.body?.orderId).toBe(placed.body?.orderId);
    const status = await http(url, "GET", `/orders/${placed.body?.orderId}`);
    expect(status.body).toMatchObject({ orderId: placed.body?.orderId, status: "completed" });
    const sent = await eventually(
      () =>
        shop()
          .client(email)
          .listSent({ to: `${user}@example.com` }),
      (r) => r.messages.length > 0,
    );
    expect(sent.messages).toHaveLength(1);
    // Loyalty points follow the same order.placed event, readable over HTTP by staff with a token.
    expect((await http(url, "GET", `/loyalty/${user}`)).status).toBe(401);
    const staff = { authorization: `Bearer ${await devToken("staff-1")}` };
    const points = await eventually(
      () => http(url, "GET", `/loyalty/${user}`, undefined, staff),
      (r) => ((r.body?.orders ?? []) as unknown[]).length > 0,
    );
    expect(points.status).toBe(200);
    expect(points.body?.orders).toEqual([
      { orderId: placed.body?.orderId, points: expect.any(Number) },
    ]);
    expect((await http(url, "GET", "/orders/no-such-order")).status).toBe(404);
  });

  it("answers a declined card with a 409 problem carrying the payment's reason, also on retry", async () => {
    const { url } = shop();
    const user = `${label}-declined`;
    await http(url, "POST", `/carts/${user}/items`, { productId: PRODUCT_IDS.watch, quantity: 1 });
    const key = { "idempotency-key": `${label}-declined-1` };
    const declined = await http(
      url,
      "POST",
      "/checkout",
      order(user, sampleCard(TEST_CARD_NUMBERS.declined)),
      key,
    );
    expect(declined.status).toBe(409);
    expect(declined.body).toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "CARD_DECLINED",
      metadata: { last4: "0002" },
    });
    const again = await http(
      url,
      "POST",
      "/checkout",
      order(user, sampleCard(TEST_CARD_NUMBERS.declined)),
      key,
    );
    expect(again.status).toBe(409);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
  });

  it("lists invalid checkout fields as JSON Pointers", async () => {
    const { url } = shop();
    const bad = {
      ...order(`${label}-bad`),
      email: "not-an-email",
      address: { ...SAMPLE_ADDRESS, city: 7 },
    };
    const r = await http(url, "POST", "/checkout", bad, { "idempotency-key": `${label}-bad` });
    expect(r.status).toBe(400);
    const pointers = ((r.body?.errors ?? []) as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(["/address/city", "/email"]);
  });

  it("serves a valid OpenAPI document of exactly its routes", async () => {
    const { url } = shop();
    const doc = (await http(url, "GET", "/openapi.json")).body as { paths: Record<string, object> };
    const validator = new Validator();
    expect((await validator.validate(doc)).valid).toBe(true);
    const ops = Object.entries(doc.paths)
      .flatMap(([p, o]) =>
        Object.keys(o).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ":$1")}`),
      )
      .sort();
    expect(ops).toEqual(
      createShopGateway()
        .gateway.routes.map((r) => r.key)
        .sort(),
    );
  });
}

describe("shop HTTP API in one process", () => {
  const dataDir = privateDataDir();
  let app: App;
  beforeAll(async () => {
    app = createApp(createShop(), {
      config: { app: uniqueName("shop_http"), dataDir, httpHost: "127.0.0.1", httpPort: 0 },
    });
    await app.start();
  });
  afterAll(async () => {
    await app?.stop();
  });
  shopOverHttp(() => ({ url: app.use(GATEWAY).url, client: (c) => app.client(c) }), "local");
});

const skip = await unreachable("nats");

describe.skipIf(skip)("shop HTTP API split across processes", () => {
  const dataDir = privateDataDir();
  let h: SplitHarness;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    h = await startSplit({
      module: new URL("./app.ts", import.meta.url),
      definition: createShop(),
      natsUrl: "nats://127.0.0.1:4222",
      env: { WEFT_DATA_DIR: dataDir, WEFT_HTTP_HOST: "127.0.0.1", WEFT_HTTP_PORT: String(port) },
      appOptions: { config: { dataDir } },
    });
    // A child may log a line before it is ready; wait until the edge process listens.
    await untilListening(url);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
  }, 30_000);

  it("listens in the edge process only", async () => {
    const edge = h.processes.find((p) => p.group === "edge");
    expect(edge?.pid).not.toBe(process.pid);
    expect(h.app.describe().localServices).toEqual([]);
    expect((await http(url, "GET", "/currencies")).status).toBe(200);
    expect(h.responders.get("currency")).toBeUndefined();
  });

  shopOverHttp(() => ({ url, client: (c) => h.client(c) }), "split");
});
