/**
 * What the shop takes at its edge, the same in one process (on SQLite and on PostgreSQL),
 * serialized, and split across processes: quantities within the cart's bounds (one add, and the
 * sum of several), no integer beyond ±(2^53 − 1), no U+0000 in a path or a body, a body nested
 * at most 64 levels even in a field no method reads, and a bearer token whose `sub` is a
 * non-empty string. Each refusal is a 4xx naming the rule and the field, and changes nothing.
 */
import { expect, it } from "vitest";
import { describeShopEdge } from "./edge-harness.js";
import { bearer, JSON_TYPE, send } from "./edge-support.js";
import { PRODUCT_IDS } from "./fixtures.js";
import { MAX_LINE_QUANTITY } from "./shared/order.js";

await describeShopEdge(
  "shop input",
  (shop, placement) => {
    const add = (user: string, body: string) =>
      send(shop().url, "POST", `/carts/${user}/items`, { headers: JSON_TYPE, body });
    const cartOf = async (user: string) => {
      const r = await send(shop().url, "GET", `/carts/${user}`);
      expect(r.status).toBe(200);
      return r.body;
    };

    it("keeps a cart's quantities within bounds: one add, and the sum of several", async () => {
      const user = `${placement}-bounds`;
      const mug = PRODUCT_IDS.mug;
      const huge = await add(user, `{"productId":"${mug}","quantity":9007199254740991}`);
      expect(huge.status).toBe(400);
      expect(huge.body).toMatchObject({
        code: "INVALID_ARGUMENT",
        errors: [{ pointer: "/quantity" }],
      });
      const half = Math.ceil(MAX_LINE_QUANTITY / 2) + 1;
      expect((await add(user, `{"productId":"${mug}","quantity":${half}}`)).status).toBe(200);
      const over = await add(user, `{"productId":"${mug}","quantity":${half}}`);
      expect(over.status).toBe(409);
      expect(over.body).toMatchObject({
        code: "FAILED_PRECONDITION",
        reason: "CART_LINE_LIMIT",
        metadata: { field: "quantity", max: String(MAX_LINE_QUANTITY) },
      });
      // Nothing was written: the answer does not say it may have run.
      expect(over.body?.mayHaveRun).toBeUndefined();
      expect(await cartOf(user)).toEqual({
        userId: user,
        items: [{ productId: mug, quantity: half }],
      });
      const unsafe = await add(user, `{"productId":"${mug}","quantity":9007199254740993}`);
      expect(unsafe.status).toBe(400);
      expect(unsafe.body).toMatchObject({
        reason: "UNSAFE_INTEGER",
        errors: [{ pointer: "/quantity" }],
      });
    });

    it("refuses U+0000 in a path or a body with 400 naming the field, whatever the store", async () => {
      const inPath = await send(shop().url, "GET", "/carts/a%00b");
      expect(inPath.status).toBe(400);
      expect(inPath.body).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "NUL_CHARACTER",
        errors: [{ pointer: "/userId" }],
      });
      const user = `${placement}-nul`;
      const inBody = await add(user, '{"productId":"a\\u0000b","quantity":1}');
      expect(inBody.status).toBe(400);
      expect(inBody.body).toMatchObject({
        reason: "NUL_CHARACTER",
        errors: [{ pointer: "/productId" }],
      });
      expect(await cartOf(user)).toEqual({ userId: user, items: [] });
    });

    it("refuses a body nested past 64 levels, even in a field no method reads", async () => {
      const user = `${placement}-deep`;
      const deep = `${"[".repeat(5000)}1${"]".repeat(5000)}`;
      const r = await add(user, `{"productId":"${PRODUCT_IDS.mug}","quantity":1,"x":${deep}}`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: "INVALID_ARGUMENT", reason: "BODY_TOO_DEEP" });
      expect(await cartOf(user)).toEqual({ userId: user, items: [] });
    });

    it("takes a bearer token only when its sub is a non-empty string", async () => {
      const { url, issuer } = shop();
      const ok = await send(url, "GET", "/loyalty/ada", { headers: bearer(await issuer.token()) });
      expect(ok.status).toBe(200);
      for (const subject of [42, "", null]) {
        const token = await issuer.token({ subject });
        const r = await send(url, "GET", "/loyalty/ada", { headers: bearer(token) });
        expect(r.status, `sub ${JSON.stringify(subject)}`).toBe(401);
        expect(r.body?.code).toBe("UNAUTHENTICATED");
      }
    });
  },
  { serialized: true, postgres: true },
);
