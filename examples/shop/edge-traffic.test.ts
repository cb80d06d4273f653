/**
 * Broken and abusive traffic at the shop's HTTP edge, over real sockets, in one process and split
 * into three processes (edge-harness.ts: the shop as in production). Bodies over the gateway's
 * limit get 413, also when the client is still sending them (split, also a body within it but too
 * large for a NATS message); clients sending their head or body a byte at a time are cut off with
 * 408 while others are served; malformed JSON gets a 400 problem document; none of them changes
 * the cart. A checkout's `x-trace-id` is the
 * trace id of the spans every process it touched recorded, read through each one's admin API.
 */
import { expect, it } from "vitest";
import { SHOP_GROUPS } from "./app.js";
import { describeShopEdge } from "./edge-harness.js";
import {
  head,
  JSON_TYPE,
  open,
  rawExchange,
  rawUpload,
  send,
  serverServices,
  spansIn,
  trickle,
  uploadStream,
} from "./edge-support.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard } from "./fixtures.js";
import { cart } from "./services/cart/contract.js";
import { eventually } from "./test-support.js";

const MIB = 1024 * 1024;

/** The services a checkout calls (its workflow's steps), and checkout itself, called by the gateway. */
const CHECKOUT_SERVICES = ["cart", "catalog", "checkout", "currency", "payment", "shipping"];

/** A malformed request: where it goes, what it sends, and the status and reason it must get. */
type Malformed = readonly [
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  status: number,
  reason: string,
];

await describeShopEdge("shop traffic", (shop, placement) => {
  const emptyCart = async (user: string) =>
    expect((await send(shop().url, "GET", `/carts/${user}`)).body).toEqual({
      userId: user,
      items: [],
    });

  it("refuses bodies over the limit with 413 before reading them, changes nothing and keeps serving", async () => {
    const { url } = shop();
    const user = `${placement}-big`;
    // The head alone: the gateway answers from Content-Length, before reading any of the body.
    const requests = [
      head(url, "POST", "/checkout", {
        ...JSON_TYPE,
        "idempotency-key": `${placement}-big-order`,
        "content-length": String(2 * MIB),
      }),
      head(url, "POST", `/carts/${user}/items`, {
        ...JSON_TYPE,
        "content-length": String(MIB + 1),
      }),
    ];
    for (const request of requests) {
      const refused = await rawExchange(url, request);
      expect(refused.status).toBe(413);
      expect(refused.headers["content-type"]).toBe("application/problem+json");
      expect(refused.headers.connection).toBe("close");
      expect(JSON.parse(refused.body)).toMatchObject({
        status: 413,
        code: "RESOURCE_EXHAUSTED",
        reason: "BODY_TOO_LARGE",
        metadata: { limit: "bodyLimit", maxBytes: String(MIB) },
      });
    }
    await emptyCart(user);
    expect((await send(url, "GET", `/products/${PRODUCT_IDS.mug}`)).status).toBe(200);
  });

  it("answers 413 to bodies streamed past the limit while the client is still sending them", async () => {
    const { url } = shop();
    const user = `${placement}-streamed`;
    const refused = (status: number, contentType: string | undefined, body: unknown) => {
      expect({ status, contentType }).toEqual({
        status: 413,
        contentType: "application/problem+json",
      });
      expect(body).toMatchObject({
        code: "RESOURCE_EXHAUSTED",
        reason: "BODY_TOO_LARGE",
        metadata: { limit: "bodyLimit", maxBytes: String(MIB) },
      });
    };
    // 4 MiB each, ten times each way: an answer lost to a reset would show in some of them.
    for (let i = 0; i < 10; i++) {
      const uploads = [
        head(url, "POST", `/carts/${user}/items`, { ...JSON_TYPE, "transfer-encoding": "chunked" }),
        head(url, "POST", "/checkout", {
          ...JSON_TYPE,
          "idempotency-key": `${user}-order-${i}`,
          "content-length": String(4 * MIB),
        }),
      ];
      for (const upload of uploads) {
        const r = await rawUpload(url, upload, 4 * MIB);
        refused(
          r.status,
          r.headers["content-type"],
          r.status === 0 ? undefined : JSON.parse(r.body),
        );
      }
      const r = await send(url, "POST", `/carts/${user}/items`, {
        headers: JSON_TYPE,
        body: uploadStream(4 * MIB),
      });
      refused(r.status, r.headers.get("content-type") ?? undefined, r.body);
    }
    await emptyCart(user);
    expect((await send(url, "GET", `/products/${PRODUCT_IDS.mug}`)).status).toBe(200);
  });

  // In one process too: a request is refused the same wherever its method runs.
  it("refuses with 413 naming maxPayload a body within the gateway's limit but too large for a NATS message", async () => {
    const { url } = shop();
    const user = `${placement}-nats-big`;
    const start = `{"productId":"${PRODUCT_IDS.mug}","quantity":1,"note":"`;
    // Under the gateway's 1 MiB body limit; over NATS's 1 MiB with the call's envelope.
    const body = `${start}${"n".repeat(MIB - 64 - start.length)}"}`;
    expect(Buffer.byteLength(body)).toBeLessThan(MIB);
    const r = await send(url, "POST", `/carts/${user}/items`, { headers: JSON_TYPE, body });
    expect(r.status).toBe(413);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      metadata: { limit: "maxPayload", maxBytes: String(MIB) },
    });
    await emptyCart(user);
  });

  it("cuts off clients sending their head or body a byte at a time, while others are served", {
    timeout: 90_000,
  }, async () => {
    const { url } = shop();
    const user = `${placement}-slow`;
    // Each would take 30 s or more to send: far past the gateway's 10 s for a head and for a body.
    const slowHead = trickle(
      await open(url),
      head(url, "GET", "/products", { "x-slow": "s".repeat(200) }),
      200,
    );
    const body = JSON.stringify({ productId: PRODUCT_IDS.mug, quantity: 1, note: "b".repeat(150) });
    const bodySocket = await open(url);
    bodySocket.write(
      head(url, "POST", `/carts/${user}/items`, {
        ...JSON_TYPE,
        "content-length": String(Buffer.byteLength(body)),
      }),
    );
    const slowBody = trickle(bodySocket, body, 200);
    // Meanwhile other clients are served.
    const others = await Promise.all([
      ...Array.from({ length: 10 }, () => send(url, "GET", "/products")),
      ...Array.from({ length: 5 }, (_, i) =>
        send(url, "POST", `/carts/${user}-other-${i}/items`, {
          headers: JSON_TYPE,
          body: JSON.stringify({ productId: PRODUCT_IDS.mug, quantity: 1 }),
        }),
      ),
    ]);
    expect(others.map((r) => r.status)).toEqual(Array(15).fill(200));
    const [cutHead, cutBody] = await Promise.all([slowHead, slowBody]);
    expect(cutHead.cutOff).toBe(true);
    expect(cutHead.reply.status).toBe(408);
    expect(JSON.parse(cutHead.reply.body)).toMatchObject({ reason: "REQUEST_TIMEOUT" });
    expect(cutBody.cutOff).toBe(true);
    expect(cutBody.sent).toBeLessThan(body.length);
    expect(cutBody.reply.status).toBe(408);
    expect(cutBody.reply.headers["content-type"]).toBe("application/problem+json");
    expect(JSON.parse(cutBody.reply.body)).toMatchObject({ reason: "BODY_TIMEOUT" });
    await emptyCart(user);
  });

  it("answers malformed JSON with a 400 problem document and runs nothing", async () => {
    const { url } = shop();
    const user = `${placement}-malformed`;
    const items = `/carts/${user}/items`;
    const cases: Malformed[] = [
      [items, JSON_TYPE, `{"productId":"${PRODUCT_IDS.mug}","quantity":`, 400, "MALFORMED_JSON"],
      [
        "/checkout",
        { ...JSON_TYPE, "idempotency-key": `${user}-1` },
        `{"userId":"${user}",}`,
        400,
        "MALFORMED_JSON",
      ],
      [
        items,
        JSON_TYPE,
        new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        400,
        "MALFORMED_JSON",
      ],
      [
        items,
        JSON_TYPE,
        `[{"productId":"${PRODUCT_IDS.mug}","quantity":1}]`,
        400,
        "BODY_NOT_OBJECT",
      ],
      [items, JSON_TYPE, `{"__proto__":{"quantity":1},"productId":"x"}`, 400, "FORBIDDEN_KEY"],
      [items, { "content-type": "text/plain" }, "productId=x", 415, "UNSUPPORTED_MEDIA_TYPE"],
    ];
    for (const [path, headers, body, status, reason] of cases) {
      const r = await send(url, "POST", path, { headers, body });
      expect({ path, status: r.status, reason: r.body?.reason }).toEqual({ path, status, reason });
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body).toMatchObject({ code: "INVALID_ARGUMENT", instance: path });
      expect(r.body?.traceId).toBe(r.headers.get("x-trace-id"));
    }
    await emptyCart(user);
  });

  it("returns a checkout's trace id, under which every process the order touched recorded its spans", async () => {
    const { url, processes } = shop();
    const user = `${placement}-traced`;
    await send(url, "POST", `/carts/${user}/items`, {
      headers: JSON_TYPE,
      body: JSON.stringify({ productId: PRODUCT_IDS.sunglasses, quantity: 1 }),
    });
    const order = {
      userId: user,
      userCurrency: "EUR",
      email: `${user}@example.com`,
      address: SAMPLE_ADDRESS,
      creditCard: sampleCard(),
    };
    const placed = await send(url, "POST", "/checkout", {
      headers: { ...JSON_TYPE, "idempotency-key": `${user}-order` },
      body: JSON.stringify(order),
    });
    expect(placed.status).toBe(201);
    const traceId = placed.headers.get("x-trace-id") as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(placed.headers.get("traceparent")?.split("-")[1]).toBe(traceId);

    const touched: string[] = [];
    for (const p of processes) {
      const expected = CHECKOUT_SERVICES.filter((s) => p.services.includes(s));
      const spans = await eventually(
        () => spansIn(p.admin, traceId),
        (s) => expected.every((service) => serverServices(s).includes(service)),
      );
      expect(serverServices(spans), p.group).toEqual(expected);
      for (const span of spans) expect(span.traceId).toBe(traceId);
      if (p.services.includes("gateway")) {
        const gateway = spans.filter((s) => s.service === "gateway").map((s) => s.name);
        expect(gateway).toEqual(["gateway POST /checkout"]);
      }
      if (expected.length > 0) touched.push(p.group);
    }
    // Split, the order reached every process: each recorded its own part of the one trace.
    const groups = placement === "split" ? Object.keys(SHOP_GROUPS) : ["all"];
    expect(touched.sort()).toEqual(groups.sort());
    expect(await shop().client(cart).getCart({ userId: user })).toEqual({
      userId: user,
      items: [],
    });
  });
});
