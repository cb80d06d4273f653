/**
 * The gateway's limits over real sockets: oversized bodies (declared and streamed) get 413 and the
 * server stays healthy, an oversized head 431, slow clients (headers or body sent byte by byte)
 * are cut off while other clients are served, rate limits answer 429 with `RateLimit` headers per
 * route and caller, and CORS preflights follow the origin allowlist.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import { items } from "./fixtures/items.js";
import { route } from "./route.js";

/** Opens a raw connection to the gateway. */
function open(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => resolve(socket));
    socket.once("error", reject);
  });
}

/**
 * Writes `text` one byte every `everyMs` until the server closes the connection or the text runs
 * out. Resolves with what the server sent and whether it closed before the text ran out.
 */
async function trickle(socket: Socket, text: string, everyMs: number) {
  let received = "";
  let closed = false;
  socket.setEncoding("utf8");
  socket.on("data", (d: string) => {
    received += d;
  });
  socket.on("error", () => {});
  const ended = new Promise<void>((resolve) =>
    socket.once("close", () => {
      closed = true;
      resolve();
    }),
  );
  let sent = 0;
  while (!closed && sent < text.length) {
    socket.write(text[sent] as string);
    sent++;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  const cutOff = closed;
  socket.destroy();
  await ended;
  return { received, cutOff, sent };
}

describe("gateway: body and head limits", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ gateway: { bodyLimit: "1KiB" } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("refuses a body declared over the limit with 413 naming the limit, and keeps serving", async () => {
    const r = await call(h.url, "/items", {
      method: "POST",
      json: { id: "big", name: "x".repeat(2000), qty: 1 },
    });
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({
      status: 413,
      code: "RESOURCE_EXHAUSTED",
      reason: "BODY_TOO_LARGE",
      metadata: { limit: "bodyLimit", maxBytes: "1024" },
    });
    expect(h.items.created).not.toContain("big");
    expect((await call(h.url, "/items/ok")).status).toBe(200);
  });

  it("refuses a streamed (chunked) body once it grows past the limit", async () => {
    const chunk = new TextEncoder().encode(`{"id":"stream","name":"${"y".repeat(600)}`);
    const body = new ReadableStream({
      start(c) {
        c.enqueue(chunk);
        c.enqueue(new TextEncoder().encode(`${"z".repeat(600)}","qty":1}`));
        c.close();
      },
    });
    const res = await fetch(`${h.url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
      duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ reason: "BODY_TOO_LARGE" });
    expect(h.items.created).not.toContain("stream");
    expect((await call(h.url, "/items/ok")).status).toBe(200);
  });

  it("answers 431 to a request head over maxHeaderSize", async () => {
    const r = await fetch(`${h.url}/items/a`, { headers: { "x-big": "b".repeat(20 * 1024) } });
    expect(r.status).toBe(431);
    expect(await r.json()).toMatchObject({ status: 431, reason: "HEADERS_TOO_LARGE" });
    expect((await call(h.url, "/items/ok")).status).toBe(200);
  });
});

describe("gateway: slow clients", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      gateway: { timeouts: { headers: "600ms", body: "600ms", request: "3s" } },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("cuts off a client that sends its headers byte by byte, while others are served", async () => {
    const socket = await open(h.url);
    const head = `GET /items/a HTTP/1.1\r\nHost: x\r\nX-Slow: ${"s".repeat(100)}\r\n\r\n`;
    const slow = trickle(socket, head, 100);
    // Meanwhile other clients are served normally.
    const others = await Promise.all(
      Array.from({ length: 10 }, (_, i) => call(h.url, `/items/o${i}`)),
    );
    expect(others.map((r) => r.status)).toEqual(Array(10).fill(200));
    const { received, cutOff } = await slow;
    expect(cutOff).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  });

  it("cuts off a client that sends its body byte by byte with a 408 problem", async () => {
    const socket = await open(h.url);
    const body = JSON.stringify({ id: "slow", name: "n", qty: 1, blob: "b".repeat(60) });
    socket.write(
      `POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    const slow = trickle(socket, body, 100);
    expect((await call(h.url, "/items/other")).status).toBe(200);
    const { received, cutOff } = await slow;
    expect(cutOff).toBe(true);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(received).toContain('"reason":"BODY_TIMEOUT"');
    expect(h.items.created).not.toContain("slow");
  });
});

describe("gateway: rate limits", () => {
  let h: GatewayHarness;
  const KEY = "test-api-key-for-rate-limits";
  const sha = async (s: string) =>
    (await import("node:crypto")).createHash("sha256").update(s).digest("hex");
  beforeAll(async () => {
    h = await startGateway({
      gateway: {
        trustProxy: true,
        rateLimit: { limit: 3, window: "1m" },
        auth: { default: "optional", apiKeys: [{ id: "batch", sha256: await sha(KEY) }] },
        routes: [
          route("GET /items/:id", items, "get"),
          route("GET /items", items, "list", { rateLimit: false }),
          route("GET /whoami", items, "whoami", {
            rateLimit: { limit: 1, window: "10s", name: "strict" },
          }),
        ],
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers 429 with RateLimit, RateLimit-Policy and Retry-After once a caller's quota is spent", async () => {
    const from = { "x-forwarded-for": "203.0.113.7" };
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await call(h.url, `/items/r${i}`, { headers: from }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(answers[0]?.headers.get("ratelimit-policy")).toBe('"default";q=3;w=60');
    expect(answers[0]?.headers.get("ratelimit")).toMatch(/^"default";r=2;t=\d+$/);
    expect(answers[2]?.headers.get("ratelimit")).toMatch(/^"default";r=0;t=\d+$/);
    const limited = answers[3];
    expect(limited?.body).toMatchObject({
      status: 429,
      code: "RESOURCE_EXHAUSTED",
      reason: "RATE_LIMITED",
    });
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited?.headers.get("ratelimit")).toMatch(/^"default";r=0;t=[1-9]\d*$/);
  });

  it("keeps one bucket per caller and per route", async () => {
    const from = { "x-forwarded-for": "198.51.100.1" };
    for (let i = 0; i < 3; i++) await call(h.url, "/items/x", { headers: from });
    expect((await call(h.url, "/items/x", { headers: from })).status).toBe(429);
    // Another address, an API key's principal, and a route without a limit are not affected.
    expect(
      (await call(h.url, "/items/x", { headers: { "x-forwarded-for": "198.51.100.2" } })).status,
    ).toBe(200);
    expect((await call(h.url, "/items/x", { headers: { ...from, "x-api-key": KEY } })).status).toBe(
      200,
    );
    const unlimited = await call(h.url, "/items", { headers: from });
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers.get("ratelimit")).toBeNull();
    // A route's own rule replaces the default one.
    const strict = await call(h.url, "/whoami", { headers: { "x-forwarded-for": "198.51.100.3" } });
    expect(strict.headers.get("ratelimit-policy")).toBe('"strict";q=1;w=10');
    expect(
      (await call(h.url, "/whoami", { headers: { "x-forwarded-for": "198.51.100.3" } })).status,
    ).toBe(429);
  });
});

describe("gateway: CORS", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      gateway: { cors: { origins: ["https://shop.example"], maxAge: "1h" } },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("answers a preflight from an allowed origin with the path's methods", async () => {
    const r = await call(h.url, "/items/a1", {
      method: "OPTIONS",
      headers: { origin: "https://shop.example", "access-control-request-method": "PUT" },
    });
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(r.headers.get("access-control-allow-methods")).toBe("GET, PUT, DELETE");
    expect(r.headers.get("access-control-allow-headers")).toContain("idempotency-key");
    expect(r.headers.get("access-control-max-age")).toBe("3600");
    expect(r.headers.get("vary")).toBe("Origin");
  });

  it("refuses a preflight from another origin, and gives its requests no CORS headers", async () => {
    const pre = await call(h.url, "/items/a1", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    expect(pre.status).toBe(403);
    expect(pre.body).toMatchObject({ reason: "CORS_ORIGIN_DENIED" });
    const get = await call(h.url, "/items/a1", { headers: { origin: "https://evil.example" } });
    expect(get.status).toBe(200);
    expect(get.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("lets scripts of an allowed origin read answers and the trace and rate headers", async () => {
    const r = await call(h.url, "/items/a1", { headers: { origin: "https://shop.example" } });
    expect(r.headers.get("access-control-allow-origin")).toBe("https://shop.example");
    expect(r.headers.get("access-control-expose-headers")).toContain("x-trace-id");
    const problem = await call(h.url, "/items/missing", {
      headers: { origin: "https://shop.example" },
    });
    expect(problem.headers.get("access-control-allow-origin")).toBe("https://shop.example");
  });
});
