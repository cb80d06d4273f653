/**
 * `Idempotency-Key` over real HTTP, with the records in SQLite and in PostgreSQL: a retry replays
 * the stored answer (the method ran once), a retry while the first runs gets 409, another request
 * with the key 422, keys are scoped per caller (one caller never reads another's answer), a
 * request refused before it ran frees its key, records expire, and an app without a store refuses
 * to start with a route that needs them.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STORE } from "../store/extension.js";
import { sql } from "../store/index.js";
import { expectWeftError } from "../testing/expect-weft-error.js";
import { isReachable, TEST_SERVERS } from "../testing/services.js";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import { items } from "./fixtures/items.js";
import { route } from "./route.js";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const ALICE = "alice-key-0123456789";
const BOB = "bob-key-0123456789";

const pg = TEST_SERVERS.postgres;
const pgUp = await isReachable(pg.host, pg.port);
if (!pgUp && process.env.WEFT_REQUIRE_SERVICES === "1") {
  throw new Error("PostgreSQL is not reachable, and WEFT_REQUIRE_SERVICES=1 requires it");
}

function gatewayOptions(idempotency = {}) {
  return {
    idempotency,
    auth: {
      default: "optional" as const,
      apiKeys: [
        { id: "alice", sha256: sha256(ALICE) },
        { id: "bob", sha256: sha256(BOB) },
      ],
    },
    routes: [
      route("POST /items", items, "create", { status: 201, idempotency: "optional" }),
      route("POST /strict", items, "create", { idempotency: "required" }),
      route("POST /hold", items, "hold", { idempotency: "required" }),
      route("POST /fail", items, "fail", { idempotency: "optional" }),
    ],
  };
}

const stores = pgUp ? (["sqlite", "postgres"] as const) : (["sqlite"] as const);
if (!pgUp) console.warn("skipping the PostgreSQL idempotency tests: PostgreSQL is not reachable");

describe.each(stores)("gateway idempotency keys (%s)", (store) => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ store, gateway: gatewayOptions() });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const post = (path: string, json: unknown, headers: Record<string, string> = {}) =>
    call(h.url, path, { method: "POST", json, headers });
  const ran = (id: string) => h.items.created.filter((c) => c === id).length;

  it("replays the stored answer to a retry, and the method runs once", async () => {
    const order = { id: "r1", name: "first", qty: 1 };
    const first = await post("/items", order, { "idempotency-key": "key-r1" });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotency-replayed")).toBeNull();
    const again = await post("/items", order, { "idempotency-key": "key-r1" });
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    // A quoted (structured-field) key is the same key.
    const quoted = await post("/items", order, { "idempotency-key": '"key-r1"' });
    expect(quoted.headers.get("idempotency-replayed")).toBe("true");
    expect(ran("r1")).toBe(1);
  });

  it("answers 422 when the key comes back with a different request", async () => {
    await post("/items", { id: "d1", name: "a", qty: 1 }, { "idempotency-key": "key-d1" });
    const other = await post(
      "/items",
      { id: "d1", name: "b", qty: 1 },
      { "idempotency-key": "key-d1" },
    );
    expect(other.status).toBe(422);
    expect(other.body).toMatchObject({ status: 422, reason: "IDEMPOTENCY_KEY_REUSED" });
    const otherPath = await post(
      "/strict",
      { id: "d1", name: "a", qty: 1 },
      { "idempotency-key": "key-d1" },
    );
    expect(otherPath.status).toBe(422);
    expect(ran("d1")).toBe(1);
  });

  it("answers 409 while the first request with the key still runs, then replays it", async () => {
    const first = post("/hold", { id: "h1" }, { "idempotency-key": "key-h1" });
    while (h.items.holding() === 0) await new Promise((r) => setTimeout(r, 5));
    const during = await post("/hold", { id: "h1" }, { "idempotency-key": "key-h1" });
    expect(during.status).toBe(409);
    expect(during.body).toMatchObject({ code: "ABORTED", reason: "IDEMPOTENCY_KEY_IN_USE" });
    expect(during.headers.get("retry-after")).toBe("1");
    h.items.release();
    expect((await first).status).toBe(200);
    const after = await post("/hold", { id: "h1" }, { "idempotency-key": "key-h1" });
    expect(after.headers.get("idempotency-replayed")).toBe("true");
    expect(ran("h1")).toBe(1);
  });

  it("scopes keys per caller: another principal's request with the same key runs on its own", async () => {
    const order = { id: "p1", name: "mine", qty: 1 };
    const alice = await post("/items", order, { "idempotency-key": "shared", "x-api-key": ALICE });
    const bob = await post("/items", order, { "idempotency-key": "shared", "x-api-key": BOB });
    expect(bob.headers.get("idempotency-replayed")).toBeNull();
    expect(ran("p1")).toBe(2);
    const aliceAgain = await post("/items", order, {
      "idempotency-key": "shared",
      "x-api-key": ALICE,
    });
    expect(aliceAgain.headers.get("idempotency-replayed")).toBe("true");
    expect(aliceAgain.body).toEqual(alice.body);
    // Anonymous callers share one scope.
    await post("/items", { id: "anon", name: "a", qty: 1 }, { "idempotency-key": "anon-key" });
    const anon = await post(
      "/items",
      { id: "anon", name: "a", qty: 1 },
      { "idempotency-key": "anon-key" },
    );
    expect(anon.headers.get("idempotency-replayed")).toBe("true");
  });

  it("replays an error the method ended with, so a retry does not run it again", async () => {
    const failing = { code: "FAILED_PRECONDITION", reason: "OUT_OF_STOCK" };
    const first = await post("/fail", failing, { "idempotency-key": "key-f1" });
    expect(first.status).toBe(409);
    const again = await post("/fail", failing, { "idempotency-key": "key-f1" });
    expect(again.status).toBe(409);
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(again.headers.get("content-type")).toBe("application/problem+json");
    expect(again.body).toEqual(first.body);
  });

  it("requires the key where the route says so, and checks its form", async () => {
    const missing = await post("/strict", { id: "m1", name: "n", qty: 1 });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ reason: "IDEMPOTENCY_KEY_MISSING" });
    const long = await post(
      "/strict",
      { id: "m1", name: "n", qty: 1 },
      { "idempotency-key": "k".repeat(300) },
    );
    expect(long.body).toMatchObject({ status: 400, reason: "IDEMPOTENCY_KEY_INVALID" });
    expect(ran("m1")).toBe(0);
  });

  it("frees the key of a request refused before it ran, so a corrected retry runs", async () => {
    const bad = await post(
      "/strict",
      { id: "v1", name: "", qty: 1 },
      { "idempotency-key": "key-v1" },
    );
    expect(bad.status).toBe(400);
    const fixed = await post(
      "/strict",
      { id: "v1", name: "ok", qty: 1 },
      { "idempotency-key": "key-v1" },
    );
    expect(fixed.status).toBe(200);
    expect(ran("v1")).toBe(1);
  });

  it("forgets records after the retention period and deletes them", async () => {
    const short = await startGateway({
      store,
      gateway: gatewayOptions({ retention: "1500ms", cleanupInterval: "200ms" }),
    });
    const order = { id: "e1", name: "n", qty: 1 };
    const send = () =>
      call(short.url, "/items", {
        method: "POST",
        json: order,
        headers: { "idempotency-key": "key-e1" },
      });
    await send();
    const count = async () => {
      const [row] = await short.app
        .use(STORE)
        .query<{ n: number }>(
          sql`select count(*) as n from weft_idempotency where idem_key = ${"key-e1"}`,
        );
      return Number(row?.n);
    };
    expect(await count()).toBe(1);
    while ((await count()) > 0) await new Promise((r) => setTimeout(r, 100));
    const again = await send();
    expect(again.headers.get("idempotency-replayed")).toBeNull();
    expect(short.items.created).toEqual(["e1", "e1"]);
    await short.stop();
  });
});

describe("gateway idempotency: configuration", () => {
  it("refuses to start with idempotent routes in an app without a store", async () => {
    const e = await expectWeftError(
      startGateway({ store: "none", gateway: gatewayOptions() }),
      "FAILED_PRECONDITION",
      "GATEWAY_NEEDS_STORE",
    );
    expect(e.message).toContain("POST /items");
    expect(e.message).toContain("store: true");
  });
});
