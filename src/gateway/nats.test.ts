/**
 * The gateway in its own group, its services in another, over NATS (127.0.0.1:4222): the same
 * routes answer through the bus; a body within the gateway's limit but too large for a NATS
 * message with its envelope gets 413 naming `maxPayload` (never a 500) and the method does not
 * run; the verified principal reaches the remote service as a signed token, and a principal forged
 * on the bus (unsigned, or signed with another key) is refused.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type App, defineApp, errorFromWire, signPrincipal } from "../core/index.js";
import { createApp } from "../create-app.js";
import { unreachable } from "../testing/services.js";
import { uniqueName } from "../testing/unique-name.js";
import { NATS_HEADERS } from "../transport/nats/index.js";
import { defineGateway, GATEWAY } from "./define.js";
import { call, itemRoutes } from "./fixtures/harness.js";
import { createItems } from "./fixtures/items.js";

const skip = await unreachable("nats");
const NATS = "nats://127.0.0.1:4222";
const KEY = "principal-key-shared-by-edge-and-back-0123";
const API_KEY = "edge-test-api-key";
const MAX_PAYLOAD = 64 * 1024;

describe.skipIf(skip)("gateway over NATS", () => {
  const name = uniqueName("gw_nats");
  const dir = mkdtempSync(join(tmpdir(), "weft-gateway-nats-"));
  let back: App;
  let edge: App;
  let backItems: ReturnType<typeof createItems>;
  let url: string;
  let nc: NatsConnection;

  /** One definition per process, as each process would import it. */
  function definition(items: ReturnType<typeof createItems>) {
    const api = defineGateway("api", {
      auth: {
        default: "optional",
        apiKeys: [
          {
            id: "edge-user",
            sha256: createHash("sha256").update(API_KEY).digest("hex"),
            scopes: ["s"],
          },
        ],
      },
      routes: itemRoutes(),
    });
    return defineApp({
      name,
      services: [items.impl, api],
      groups: { edge: ["api"], back: ["items"] },
    });
  }
  const config = {
    app: name,
    natsUrl: NATS,
    principalKey: KEY,
    maxPayload: MAX_PAYLOAD,
    dataDir: dir,
    httpHost: "127.0.0.1",
    httpPort: 0,
    logLevel: "silent" as const,
  };

  beforeAll(async () => {
    backItems = createItems();
    back = createApp(definition(backItems), { env: {}, group: "back", config });
    await back.start();
    edge = createApp(definition(createItems()), { env: {}, group: "edge", config });
    await edge.start();
    url = edge.use(GATEWAY).url;
    nc = await connect({ servers: NATS });
  });
  afterAll(async () => {
    await nc?.close();
    await edge?.stop({ grace: "5s" });
    await back?.stop({ grace: "5s" });
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves routes whose methods run in the other process", async () => {
    expect(edge.describe().remoteServices).toEqual(["items"]);
    const r = await call(url, "/items", {
      method: "POST",
      json: { id: "n1", name: "over nats", qty: 2 },
    });
    expect(r.status).toBe(201);
    expect(backItems.created).toEqual(["n1"]);
    const missing = await call(url, "/items/missing");
    expect(missing.body).toMatchObject({ status: 404, reason: "ITEM_NOT_FOUND" });
  });

  it("refuses a body too large for a NATS message with 413 naming maxPayload, and keeps serving", async () => {
    const body = { id: "big", name: "x".repeat(MAX_PAYLOAD), qty: 1 };
    const r = await call(url, "/items", { method: "POST", json: body });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      metadata: { limit: "maxPayload", maxBytes: String(MAX_PAYLOAD) },
    });
    expect(r.body?.detail).toContain("WEFT_MAX_PAYLOAD");
    // Just under the limit as raw bytes, over it with the call's envelope.
    const edgeCase = { id: "edge", name: "y".repeat(MAX_PAYLOAD - 60), qty: 1 };
    expect(Buffer.byteLength(JSON.stringify(edgeCase))).toBeLessThan(MAX_PAYLOAD);
    const near = await call(url, "/items", { method: "POST", json: edgeCase });
    expect(near.status).toBe(413);
    expect(backItems.created).not.toContain("big");
    expect(backItems.created).not.toContain("edge");
    expect((await call(url, "/items/still-up")).status).toBe(200);
  });

  it("hands the verified principal to the remote method", async () => {
    const r = await call(url, "/whoami", { headers: { "x-api-key": API_KEY } });
    expect(r.body?.principal).toEqual({ id: "edge-user", kind: "service", scopes: ["s"] });
    const anonymous = await call(url, "/whoami");
    expect(anonymous.body?.principal).toBeNull();
  });

  it("refuses a principal forged on the bus, unsigned or signed with another key", async () => {
    const subject = `weft.${name}.items.whoami`;
    const ask = async (principal: string | undefined) => {
      const h = natsHeaders();
      if (principal !== undefined) h.set(NATS_HEADERS.principal, principal);
      const msg = await nc.request(subject, "{}", { timeout: 10_000, headers: h });
      const value = JSON.parse(new TextDecoder().decode(msg.data));
      return msg.headers?.get(NATS_HEADERS.status) === "ok"
        ? { value }
        : { error: errorFromWire(value) };
    };
    const claims = {
      app: name,
      exp: Math.floor(Date.now() / 1000) + 60,
      p: { id: "admin", scopes: ["*"] },
    };
    const unsigned = Buffer.from(JSON.stringify(claims)).toString("base64url");
    const badSignature = `${unsigned}.${Buffer.from("not the signature").toString("base64url")}`;
    const otherKey = signPrincipal(
      { id: "admin" },
      "another-key-another-key-another-key",
      name,
      60_000,
    );
    for (const forged of [unsigned, badSignature, otherKey, JSON.stringify({ id: "admin" })]) {
      const answer = await ask(forged);
      expect(answer.error).toMatchObject({ code: "UNAUTHENTICATED", reason: "PRINCIPAL_INVALID" });
    }
    // Without a principal the call is anonymous; only a holder of the key can name one.
    expect((await ask(undefined)).value).toMatchObject({ principal: null });
    const genuine = signPrincipal({ id: "someone" }, KEY, name, 60_000);
    expect((await ask(genuine)).value).toMatchObject({ principal: { id: "someone" } });
  });
});
