/**
 * The gateway's input rules (input-rules.ts), the same in one process and serialized (the shop's
 * edge tests add split): a body nested past the depth bound, U+0000 in a body string, a key, a
 * path parameter or a query value, and an integer beyond ±(2^53 − 1) are each refused with 400
 * INVALID_ARGUMENT naming the rule (reason) and the field (a JSON pointer), before the method runs. And a bearer token's
 * `sub` must be a non-empty string within a length bound.
 */
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_SUBJECT_LENGTH } from "./auth/jwt.js";
import { call, type GatewayHarness, itemRoutes, startGateway } from "./fixtures/harness.js";
import { MAX_JSON_DEPTH } from "./input-rules.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "weft-input-rules";
const SECRET = "a-secret-of-at-least-thirty-two-characters!";

/** An HS256 token whose `sub` claim is `sub` (left out when undefined). */
function tokenWithSub(sub: unknown): Promise<string> {
  const claims = sub === undefined ? {} : { sub };
  return new SignJWT(claims as Record<string, unknown>)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m")
    .sign(new TextEncoder().encode(SECRET));
}

/** `levels` nested arrays around 1. */
function nested(levels: number): string {
  return `${"[".repeat(levels)}1${"]".repeat(levels)}`;
}

const JSON_TYPE = { "content-type": "application/json" };

for (const placement of ["local", "serialized"] as const) {
  describe(`gateway input rules (${placement})`, () => {
    let h: GatewayHarness;
    beforeAll(async () => {
      h = await startGateway({
        config: { serialize: placement === "serialized" },
        gateway: {
          routes: itemRoutes(),
          auth: {
            default: "optional",
            jwt: { issuer: ISSUER, audience: AUDIENCE, secret: SECRET },
          },
        },
      });
    });
    afterAll(async () => {
      await h?.stop();
    });

    /** Posts `body` (raw JSON text) to create an item. */
    const create = (body: string) =>
      call(h.url, "/items", { method: "POST", body, headers: JSON_TYPE });

    it("refuses a body nested past the bound, even in a field the method ignores", async () => {
      const before = h.items.created.length;
      const deep = `{"id":"deep","name":"n","qty":1,"unused":${nested(5000)}}`;
      const r = await create(deep);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: "INVALID_ARGUMENT", reason: "BODY_TOO_DEEP" });
      expect(r.body?.detail).toContain(String(MAX_JSON_DEPTH));
      expect(h.items.created.length).toBe(before);
      // Within the bound, the same body is served.
      const ok = await create(`{"id":"deep","name":"n","qty":1,"unused":${nested(50)}}`);
      expect(ok.status).toBe(201);
    });

    it("refuses U+0000 in a body string or key, a path parameter and a query value, naming the field", async () => {
      const before = h.items.created.length;
      const inBody = await create('{"id":"a","name":"a\\u0000b","qty":1}');
      expect(inBody.status).toBe(400);
      expect(inBody.body).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "NUL_CHARACTER",
        errors: [{ pointer: "/name" }],
      });
      const nestedLine = await create(
        '{"id":"a","name":"n","qty":1,"lines":[{"sku":"x\\u0000","qty":1}]}',
      );
      expect(nestedLine.body).toMatchObject({
        reason: "NUL_CHARACTER",
        errors: [{ pointer: "/lines/0/sku" }],
      });
      const inKey = await create('{"id":"a","name":"n","qty":1,"k\\u0000":1}');
      expect(inKey.status).toBe(400);
      expect(inKey.body).toMatchObject({ reason: "NUL_CHARACTER" });
      const inPath = await call(h.url, "/items/a%00b");
      expect(inPath.status).toBe(400);
      expect(inPath.body).toMatchObject({ reason: "NUL_CHARACTER", errors: [{ pointer: "/id" }] });
      const inQuery = await call(h.url, "/items?code=a%00b");
      expect(inQuery.status).toBe(400);
      expect(inQuery.body).toMatchObject({
        reason: "NUL_CHARACTER",
        errors: [{ pointer: "/code" }],
      });
      expect(h.items.created.length).toBe(before);
    });

    it("refuses integers beyond the safe range in the body and the query, naming the field", async () => {
      const before = h.items.created.length;
      const big = await create('{"id":"big","name":"n","qty":9007199254740993}');
      expect(big.status).toBe(400);
      expect(big.body).toMatchObject({
        code: "INVALID_ARGUMENT",
        reason: "UNSAFE_INTEGER",
        errors: [{ pointer: "/qty" }],
      });
      const huge = await create(
        '{"id":"big","name":"n","qty":1,"lines":[{"sku":"s","qty":1e300}]}',
      );
      expect(huge.body).toMatchObject({
        reason: "UNSAFE_INTEGER",
        errors: [{ pointer: "/lines/0/qty" }],
      });
      expect(h.items.created.length).toBe(before);
      const query = await call(h.url, "/items?limit=9007199254740993");
      expect(query.status).toBe(400);
      expect(query.body).toMatchObject({
        reason: "UNSAFE_INTEGER",
        errors: [{ pointer: "/limit" }],
      });
      // The largest safe integer and fractions pass the rule (the method's schema decides).
      const safe = await create('{"id":"safe","name":"n","qty":9007199254740991}');
      expect(safe.status).toBe(201);
      const ratio = await call(h.url, "/items?ratio=0.25");
      expect(ratio.body).toMatchObject({ ratio: 0.25 });
    });

    it("takes a bearer token only when its sub is a string of 1 to the bound's characters", async () => {
      const whoami = async (sub: unknown) =>
        call(h.url, "/whoami", { headers: { authorization: `Bearer ${await tokenWithSub(sub)}` } });
      const ok = await whoami("user-1");
      expect(ok.status).toBe(200);
      expect(ok.body?.principal).toMatchObject({ id: "user-1" });
      for (const sub of [42, "", "u".repeat(MAX_SUBJECT_LENGTH + 1), ["user-1"], "a\u0000b"]) {
        const r = await whoami(sub);
        expect(r.status, JSON.stringify(sub)).toBe(401);
        expect(r.body).toMatchObject({
          code: "UNAUTHENTICATED",
          reason: "TOKEN_SUBJECT_INVALID",
        });
      }
    });
  });
}
