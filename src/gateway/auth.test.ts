/**
 * Authentication at the gateway over real HTTP: bearer JWTs (HS256 secret, PEM public key, JWKS
 * served over HTTP and configured through the app's config) and API keys. Every bypass attempt is
 * refused — missing, expired, wrong issuer, wrong audience, `alg: none`, HS/RS key confusion, a
 * forged signature, an unknown API key — scopes give 403, and the verified principal reaches the
 * method's context.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import { type CryptoKey, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectWeftError } from "../testing/expect-weft-error.js";
import { freePort } from "../testing/free-port.js";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import { items } from "./fixtures/items.js";
import { route } from "./route.js";

const ISSUER = "https://issuer.test";
const AUDIENCE = "weft-gateway-tests";
const SECRET = "a-secret-of-at-least-thirty-two-characters!";
const API_KEY = "k_live_0123456789abcdef";
const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PUBLIC_PEM = rsa.publicKey.export({ type: "spki", format: "pem" }).toString();

/** A token with standard claims, changed by `edit`, signed with `key` as `alg`. */
function token(
  key: Parameters<SignJWT["sign"]>[0],
  alg: string,
  edit: (jwt: SignJWT) => SignJWT = (jwt) => jwt,
  claims: Record<string, unknown> = { scope: "items:read items:write" },
  kid?: string,
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader(kid === undefined ? { alg } : { alg, kid })
    .setSubject("user-1")
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("5m");
  return edit(jwt).sign(key);
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

function routes() {
  return [
    route("GET /whoami", items, "whoami"),
    route("GET /items/:id", items, "get", { auth: "optional" }),
    route("GET /items", items, "list", { auth: "none" }),
    route("POST /items", items, "create", { scopes: ["items:write"] }),
    route("DELETE /items/:id", items, "remove", { scopes: ["items:admin"] }),
  ];
}

describe("gateway auth: HS256 secret and API keys", () => {
  let h: GatewayHarness;
  const secret = new TextEncoder().encode(SECRET);
  beforeAll(async () => {
    h = await startGateway({
      gateway: {
        routes: routes(),
        auth: {
          jwt: { issuer: ISSUER, audience: AUDIENCE, secret: SECRET },
          apiKeys: [{ id: "batch-job", sha256: sha256(API_KEY), scopes: ["items:write"] }],
        },
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("hands the verified principal, with its scopes, to the method", async () => {
    const r = await call(h.url, "/whoami", { headers: bearer(await token(secret, "HS256")) });
    expect(r.status).toBe(200);
    expect(r.body?.principal).toMatchObject({
      id: "user-1",
      kind: "user",
      scopes: ["items:read", "items:write"],
    });
    const key = await call(h.url, "/whoami", { headers: { "x-api-key": API_KEY } });
    expect(key.body?.principal).toEqual({
      id: "batch-job",
      kind: "service",
      scopes: ["items:write"],
    });
    const scheme = await call(h.url, "/whoami", {
      headers: { authorization: `ApiKey ${API_KEY}` },
    });
    expect(scheme.body?.principal).toMatchObject({ id: "batch-job" });
  });

  it("refuses a request without credentials with 401 and a Bearer challenge", async () => {
    const r = await call(h.url, "/whoami");
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({
      status: 401,
      code: "UNAUTHENTICATED",
      reason: "CREDENTIALS_MISSING",
    });
    expect(r.headers.get("www-authenticate")).toBe('Bearer realm="api"');
  });

  it("refuses expired, wrong-issuer, wrong-audience, unsigned and forged tokens", async () => {
    const attempts = {
      expired: await token(secret, "HS256", (j) =>
        j.setExpirationTime(Math.floor(Date.now() / 1000) - 120),
      ),
      wrongIssuer: await token(secret, "HS256", (j) => j.setIssuer("https://evil.test")),
      wrongAudience: await token(secret, "HS256", (j) => j.setAudience("another-api")),
      noSubject: await new SignJWT({})
        .setProtectedHeader({ alg: "HS256" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime("5m")
        .sign(secret),
      noExpiry: await new SignJWT({})
        .setProtectedHeader({ alg: "HS256" })
        .setSubject("user-1")
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .sign(secret),
      algNone: new UnsecuredJWT({ scope: "items:write" })
        .setSubject("user-1")
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime("5m")
        .encode(),
      otherSecret: await token(
        new TextEncoder().encode("another-secret-also-thirty-two-chars!!"),
        "HS256",
      ),
      garbage: "not.a.jwt",
    };
    const valid = await token(secret, "HS256");
    const [head, , sig] = valid.split(".");
    const claims = Buffer.from(
      JSON.stringify({ sub: "admin", iss: ISSUER, aud: AUDIENCE, exp: 9e9, scope: "items:admin" }),
    );
    const tampered = `${head}.${claims.toString("base64url")}.${sig}`;
    for (const [name, t] of Object.entries({ ...attempts, tampered })) {
      const r = await call(h.url, "/whoami", { headers: bearer(t) });
      expect({ name, status: r.status, code: r.body?.code }).toEqual({
        name,
        status: 401,
        code: "UNAUTHENTICATED",
      });
      expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
    }
    const expired = await call(h.url, "/whoami", { headers: bearer(attempts.expired) });
    expect(expired.body?.reason).toBe("TOKEN_EXPIRED");
  });

  it("refuses an HS256 token signed with the RSA public key as its secret", async () => {
    const confused = await token(new TextEncoder().encode(PUBLIC_PEM), "HS256");
    const r = await call(h.url, "/whoami", { headers: bearer(confused) });
    expect(r.status).toBe(401);
  });

  it("refuses an unknown API key and an unknown Authorization scheme", async () => {
    const wrong = await call(h.url, "/whoami", { headers: { "x-api-key": `${API_KEY}x` } });
    expect(wrong.status).toBe(401);
    expect(wrong.body?.reason).toBe("API_KEY_INVALID");
    const basic = await call(h.url, "/whoami", {
      headers: { authorization: "Basic dXNlcjpwYXNz" },
    });
    expect(basic.status).toBe(401);
  });

  it("answers 403 naming the scopes a caller lacks, and 401 to anonymous callers of scoped routes", async () => {
    const readOnly = await token(secret, "HS256", undefined, { scope: "items:read" });
    const create = { method: "POST", json: { id: "s1", name: "n", qty: 1 } };
    const denied = await call(h.url, "/items", { ...create, headers: bearer(readOnly) });
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({
      code: "PERMISSION_DENIED",
      reason: "SCOPE_MISSING",
      metadata: { missing: "items:write" },
    });
    expect((await call(h.url, "/items", create)).status).toBe(401);
    const writer = await call(h.url, "/items", { ...create, headers: { "x-api-key": API_KEY } });
    expect(writer.status).toBe(200);
    const admin = await call(h.url, "/items/s1", {
      method: "DELETE",
      headers: { "x-api-key": API_KEY },
    });
    expect(admin.status).toBe(403);
    const scp = await token(secret, "HS256", undefined, { scp: ["items:admin"] });
    expect(
      (await call(h.url, "/items/s1", { method: "DELETE", headers: bearer(scp) })).status,
    ).toBe(200);
    expect(h.items.created).toEqual(["s1"]);
  });

  it("lets optional routes be called anonymously but never with bad credentials", async () => {
    expect((await call(h.url, "/items/a")).status).toBe(200);
    expect((await call(h.url, "/items/a", { headers: bearer("bad.token.here") })).status).toBe(401);
    // Routes without auth never read credentials.
    expect((await call(h.url, "/items", { headers: bearer("bad.token.here") })).status).toBe(200);
  });
});

describe("gateway auth: RS256 public key", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      gateway: {
        routes: routes(),
        auth: { jwt: { issuer: ISSUER, audience: AUDIENCE, publicKey: PUBLIC_PEM } },
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("accepts tokens signed with the private key", async () => {
    const r = await call(h.url, "/whoami", {
      headers: bearer(await token(rsa.privateKey, "RS256")),
    });
    expect(r.status).toBe(200);
    expect(r.body?.principal).toMatchObject({ id: "user-1" });
  });

  it("refuses HS/RS confusion, alg none, and another key's signature", async () => {
    const confused = await token(new TextEncoder().encode(PUBLIC_PEM), "HS256");
    const none = new UnsecuredJWT({})
      .setSubject("u")
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime("5m")
      .encode();
    const other = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
    for (const t of [confused, none, await token(other, "RS256")]) {
      expect((await call(h.url, "/whoami", { headers: bearer(t) })).status).toBe(401);
    }
  });
});

describe("gateway auth: JWKS from the app's config", () => {
  let jwks: Server;
  let h: GatewayHarness;
  let key: CryptoKey;
  beforeAll(async () => {
    const pair = await generateKeyPair("ES256");
    key = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    const address = jwks.address() as { port: number };
    h = await startGateway({
      gateway: { routes: routes(), auth: {} },
      config: {
        jwksUrl: `http://127.0.0.1:${address.port}/jwks.json`,
        jwtIssuer: ISSUER,
        jwtAudience: AUDIENCE,
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
    jwks?.close();
  });

  it("verifies tokens against keys fetched from the JWKS URL", async () => {
    const t = await token(key, "ES256", undefined, undefined, "k1");
    const r = await call(h.url, "/whoami", { headers: bearer(t) });
    expect(r.status).toBe(200);
    expect(r.body?.principal).toMatchObject({ id: "user-1" });
    const unknownKid = await token(key, "ES256", undefined, undefined, "k2");
    expect((await call(h.url, "/whoami", { headers: bearer(unknownKid) })).status).toBe(401);
  });

  it("answers 503 when the JWKS cannot be fetched", async () => {
    const port = await freePort();
    const down = await startGateway({
      gateway: { routes: routes(), auth: {} },
      config: {
        jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
        jwtIssuer: ISSUER,
        jwtAudience: AUDIENCE,
      },
    });
    try {
      const t = await token(key, "ES256", undefined, undefined, "k1");
      const r = await call(down.url, "/whoami", { headers: bearer(t) });
      expect(r.status).toBe(503);
      expect(r.body?.reason).toBe("JWKS_UNAVAILABLE");
    } finally {
      await down.stop();
    }
  });
});

describe("gateway auth: configuration", () => {
  it("refuses to start when JWT keys are configured without issuer or audience", async () => {
    await expectWeftError(
      startGateway({
        gateway: { routes: routes(), auth: { jwt: { secret: SECRET, issuer: ISSUER } } },
      }),
      "FAILED_PRECONDITION",
      "JWT_CONFIG_INCOMPLETE",
    );
  });

  it("refuses to start when routes need credentials but none can be checked", async () => {
    const e = await expectWeftError(
      startGateway({ gateway: { routes: routes(), auth: { default: "required" } } }),
      "FAILED_PRECONDITION",
      "GATEWAY_NO_AUTH",
    );
    expect(e.message).toContain("GET /whoami");
  });
});
