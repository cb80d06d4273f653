/**
 * Who may call the shop, over real HTTP and NATS, in one process and split into three processes
 * (edge-harness.ts: the shop as in production, RS256 tokens from a test issuer's public key).
 * Every attempt to read a loyalty account without a valid token — missing, expired, wrong issuer
 * or audience, `alg: none`, HS/RS confusion, the development secret, another key, a tampered
 * payload, a principal header, a missing scope — is refused with a problem document, and no
 * process records a span of it: neither the gateway's operation nor the loyalty service ran.
 * Split, a principal forged on NATS is refused by the loyalty service itself.
 */
import { connect, headers as natsHeaders } from "@nats-io/transport-node";
import { UnsecuredJWT } from "jose";
import { expect, it } from "vitest";
import type { Principal } from "weft";
import { errorFromWire, signPrincipal } from "weft/spi";
import { NATS_HEADERS } from "weft/transport/nats";
import { describeShopEdge, EDGE_NATS_URL, EDGE_PRINCIPAL_KEY } from "./edge-harness.js";
import {
  bearer,
  createTestIssuer,
  newTraceparent,
  send,
  serverServices,
  spansIn,
  TEST_TOKENS,
} from "./edge-support.js";
import { DEV_JWT_SECRET, LOYALTY_READ } from "./gateway.js";
import { eventually } from "./test-support.js";

/** A bypass attempt: what it sends, and the status and reason it must get. */
type Attempt = readonly [
  what: string,
  headers: Record<string, string>,
  status: number,
  reason: string,
];

await describeShopEdge("shop auth", (shop, placement) => {
  const victim = `${placement}-victim`;

  it("refuses every attempt to read a loyalty account without a valid token, before anything runs", async () => {
    const { url, processes, issuer } = shop();
    const valid = await issuer.token();
    const [header, , signature] = valid.split(".");
    const escalated = Buffer.from(
      JSON.stringify({ sub: "staff-1", scope: `${LOYALTY_READ} admin`, exp: 9_999_999_999 }),
    ).toString("base64url");
    const unsecured = new UnsecuredJWT({ scope: LOYALTY_READ })
      .setSubject("staff-1")
      .setIssuer(TEST_TOKENS.issuer)
      .setAudience(TEST_TOKENS.audience)
      .setExpirationTime("5m")
      .encode();
    const hmac = (secret: string) => ({ alg: "HS256", key: new TextEncoder().encode(secret) });
    const forgedPrincipal = Buffer.from('{"id":"staff-1","scopes":["*"]}').toString("base64url");
    const attempts: Attempt[] = [
      ["no credentials", {}, 401, "CREDENTIALS_MISSING"],
      [
        "a principal header, no token",
        { "weft-principal": forgedPrincipal },
        401,
        "CREDENTIALS_MISSING",
      ],
      [
        "another scheme",
        { authorization: "Basic c3RhZmY6c3RhZmY=" },
        401,
        "CREDENTIALS_UNSUPPORTED",
      ],
      [
        "an expired token",
        bearer(await issuer.token({ exp: Math.floor(Date.now() / 1000) - 600 })),
        401,
        "TOKEN_EXPIRED",
      ],
      [
        "a wrong issuer",
        bearer(await issuer.token({ issuer: "https://evil.test" })),
        401,
        "TOKEN_INVALID",
      ],
      [
        "a wrong audience",
        bearer(await issuer.token({ audience: "other-api" })),
        401,
        "TOKEN_INVALID",
      ],
      ["alg: none", bearer(unsecured), 401, "TOKEN_INVALID"],
      [
        "HS256 signed with the RSA public key (HS/RS confusion)",
        bearer(await issuer.token(hmac(issuer.publicPem))),
        401,
        "TOKEN_INVALID",
      ],
      [
        "HS256 signed with the development secret",
        bearer(await issuer.token(hmac(DEV_JWT_SECRET))),
        401,
        "TOKEN_INVALID",
      ],
      ["another RSA key", bearer(await createTestIssuer().token()), 401, "TOKEN_INVALID"],
      ["a tampered payload", bearer(`${header}.${escalated}.${signature}`), 401, "TOKEN_INVALID"],
      [
        "a valid token without the scope",
        bearer(await issuer.token({ claims: { scope: "cart:read" } })),
        403,
        "SCOPE_MISSING",
      ],
    ];
    const refused: string[] = [];
    for (const [what, headers, status, reason] of attempts) {
      const trace = newTraceparent();
      const r = await send(url, "GET", `/loyalty/${victim}`, {
        headers: { ...headers, traceparent: trace.traceparent },
      });
      expect({ what, status: r.status, reason: r.body?.reason }).toEqual({ what, status, reason });
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.body).toMatchObject({ status, instance: `/loyalty/${victim}` });
      expect(r.headers.get("x-trace-id")).toBe(trace.traceId);
      if (status === 401) expect(r.headers.get("www-authenticate")).toMatch(/^Bearer /);
      else expect(r.body?.metadata).toMatchObject({ missing: LOYALTY_READ });
      refused.push(trace.traceId);
    }

    // The same request with a valid token is served, and the loyalty call is recorded where it ran.
    const served = newTraceparent();
    const ok = await send(url, "GET", `/loyalty/${victim}`, {
      headers: { ...bearer(valid), traceparent: served.traceparent },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ userId: victim, points: 0, orders: [] });
    const loyalty = processes.find((p) => p.services.includes("loyalty"));
    const recorded = await eventually(
      () => spansIn(loyalty?.admin as string, served.traceId),
      (spans) => serverServices(spans).includes("loyalty"),
    );
    expect(serverServices(recorded)).toEqual(["loyalty"]);
    // No process holds a span of a refused request: neither the gateway nor loyalty ran.
    for (const traceId of refused) {
      for (const p of processes) expect(await spansIn(p.admin, traceId), p.group).toEqual([]);
    }
  });

  it("documents the loyalty route's token and scope in its OpenAPI document", async () => {
    const doc = (await send(shop().url, "GET", "/openapi.json")).body as {
      paths: Record<string, Record<string, { security: unknown[] }>>;
    };
    expect(doc.paths["/loyalty/{userId}"]?.get?.security).toEqual([{ bearerAuth: [LOYALTY_READ] }]);
    expect(doc.paths["/products/{id}"]?.get?.security).toEqual([]);
  });

  // Only split: in one process no call crosses NATS.
  if (placement === "split") {
    it("refuses a principal forged on NATS for a shop service; only the key's holder can name one", async () => {
      const app = shop().appName;
      const nc = await connect({ servers: EDGE_NATS_URL });
      const ask = async (principal: string | undefined) => {
        const headers = natsHeaders();
        if (principal !== undefined) headers.set(NATS_HEADERS.principal, principal);
        const msg = await nc.request(
          `weft.${app}.loyalty.getAccount`,
          JSON.stringify({ userId: victim }),
          { timeout: 10_000, headers },
        );
        const value = JSON.parse(new TextDecoder().decode(msg.data));
        return msg.headers?.get(NATS_HEADERS.status) === "ok"
          ? { value }
          : { error: errorFromWire(value) };
      };
      try {
        const staff: Principal = { id: "staff-1", kind: "user", scopes: [LOYALTY_READ] };
        const claims = { app, exp: Math.floor(Date.now() / 1000) + 60, p: staff };
        const unsigned = Buffer.from(JSON.stringify(claims)).toString("base64url");
        const forged = [
          unsigned,
          `${unsigned}.${Buffer.from("not the signature").toString("base64url")}`,
          signPrincipal(staff, "another-key-another-key-another-key-0", app, 60_000),
          signPrincipal(staff, EDGE_PRINCIPAL_KEY, "another-app", 60_000),
          JSON.stringify(staff),
        ];
        for (const principal of forged) {
          expect((await ask(principal)).error).toMatchObject({
            code: "UNAUTHENTICATED",
            reason: "PRINCIPAL_INVALID",
          });
        }
        const genuine = await ask(signPrincipal(staff, EDGE_PRINCIPAL_KEY, app, 60_000));
        expect(genuine.value).toEqual({ userId: victim, points: 0, orders: [] });
      } finally {
        await nc.close();
      }
    });
  }
});
