/**
 * The gateway over real HTTP: routes to methods, input merged from body, query and path with
 * coercion, problem documents for every error (404, 405, 415, malformed JSON, prototype
 * poisoning, validation with JSON Pointers, each error code's status, no internals in 500s), trace
 * headers, the OpenAPI route, and 503 while the app drains.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, parseTraceparent } from "../core/index.js";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import { STATUS_BY_CODE } from "./problem.js";

describe("gateway: routes, input and problems", () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({ gateway: { metadataHeaders: ["X-Request-Id"] } });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it("calls the route's method with path parameters and coerced query values", async () => {
    const r = await call(h.url, "/items/a1?verbose=true");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    expect(r.body).toEqual({ id: "a1", name: "item a1", qty: 1, verbose: true });
  });

  it("coerces numbers and repeated keys into arrays, and leaves string fields alone", async () => {
    const r = await call(h.url, "/items?limit=5&tags=a&tags=b&ratio=0.5&code=007");
    expect(r.body).toEqual({ limit: 5, tags: ["a", "b"], ratio: 0.5, code: "007" });
    const one = await call(h.url, "/items?tags=solo");
    expect(one.body).toEqual({ tags: ["solo"] });
  });

  it("merges body, then query, then path parameters (the path wins)", async () => {
    const r = await call(h.url, "/items/from-path?name=from-query", {
      method: "PUT",
      json: { id: "from-body", name: "from-body", qty: 2 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: "from-path", name: "from-query", qty: 2 });
  });

  it("answers with the route's success status, and 204 with no body", async () => {
    const created = await call(h.url, "/items", {
      method: "POST",
      json: { id: "n1", name: "new", qty: 1 },
    });
    expect(created.status).toBe(201);
    const removed = await call(h.url, "/items/n1", { method: "DELETE" });
    expect(removed.status).toBe(204);
    expect(removed.text).toBe("");
  });

  it("lists every invalid field as a JSON Pointer in a 400 problem", async () => {
    const r = await call(h.url, "/items", {
      method: "POST",
      json: { id: "x", name: "", qty: -1, lines: [{ sku: "s", qty: 0 }] },
    });
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toBe("application/problem+json");
    expect(r.body).toMatchObject({
      status: 400,
      code: "INVALID_ARGUMENT",
      reason: "INPUT_INVALID",
      instance: "/items",
    });
    const pointers = ((r.body?.errors ?? []) as { pointer: string }[]).map((e) => e.pointer).sort();
    expect(pointers).toEqual(["/lines/0/qty", "/name", "/qty"]);
    expect(h.items.created).not.toContain("x");
  });

  it("reports a query value of the wrong type with its pointer, never as NaN", async () => {
    const r = await call(h.url, "/items?limit=lots");
    expect(r.status).toBe(400);
    expect(((r.body?.errors ?? []) as { pointer: string }[])[0]?.pointer).toBe("/limit");
  });

  it("refuses malformed JSON, non-object bodies and invalid UTF-8 with 400 problems", async () => {
    const malformed = await call(h.url, "/items", {
      method: "POST",
      body: '{"id": "x",',
      headers: { "content-type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ reason: "MALFORMED_JSON" });
    const array = await call(h.url, "/items", { method: "POST", json: [1, 2] });
    expect(array.body).toMatchObject({ status: 400, reason: "BODY_NOT_OBJECT" });
    const res = await fetch(`${h.url}/items`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ reason: "MALFORMED_JSON" });
  });

  it("refuses prototype poisoning in the body and the query string", async () => {
    const proto = await call(h.url, "/items", {
      method: "POST",
      body: '{"id":"p","name":"n","qty":1,"__proto__":{"admin":true}}',
      headers: { "content-type": "application/json" },
    });
    expect(proto.status).toBe(400);
    expect(proto.body).toMatchObject({ reason: "FORBIDDEN_KEY" });
    const ctor = await call(h.url, "/items", {
      method: "POST",
      body: '{"id":"p","name":"n","qty":1,"lines":[{"constructor":{"prototype":{"admin":true}}}]}',
      headers: { "content-type": "application/json" },
    });
    expect(ctor.body).toMatchObject({ status: 400, reason: "FORBIDDEN_KEY" });
    const query = await call(h.url, "/items?__proto__=x");
    expect(query.body).toMatchObject({ status: 400, reason: "FORBIDDEN_KEY" });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    expect(h.items.created).not.toContain("p");
  });

  it("answers 415 for bodies that are not JSON", async () => {
    const r = await call(h.url, "/items", {
      method: "POST",
      body: "id=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(415);
    expect(r.body).toMatchObject({ code: "INVALID_ARGUMENT", reason: "UNSUPPORTED_MEDIA_TYPE" });
    const latin1 = await call(h.url, "/items", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json; charset=latin1" },
    });
    expect(latin1.status).toBe(415);
  });

  it("answers 404 for unknown paths and 405 with Allow for other methods", async () => {
    const missing = await call(h.url, "/nothing/here");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      status: 404,
      reason: "ROUTE_NOT_FOUND",
      instance: "/nothing/here",
    });
    const empty = await call(h.url, "/items/");
    expect(empty.status).toBe(404);
    const wrong = await call(h.url, "/items/a1", { method: "PATCH" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET, PUT, DELETE");
    expect(wrong.body).toMatchObject({ status: 405, reason: "METHOD_NOT_ALLOWED" });
  });

  it("serves path parameters up to 1024 characters; a longer one or bad percent-encoding is a 400", async () => {
    // A run id may be 200 characters, a shop's user id 128: both reach the method.
    for (const length of [101, 200, 1024]) {
      const id = "u".repeat(length);
      const r = await call(h.url, `/items/${id}`);
      expect(r.status, `${length} characters`).toBe(200);
      expect(r.body).toMatchObject({ id });
    }
    const long = await call(h.url, `/items/${"u".repeat(1025)}`);
    expect(long.status).toBe(400);
    expect(long.body).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "PATH_SEGMENT_TOO_LONG",
    });
    expect(long.body?.detail).toContain("1024");
    for (const path of ["/items/a%zzb", "/items/%E0%A4%A", "/nothing/%"]) {
      const bad = await call(h.url, path);
      expect(bad.status, path).toBe(400);
      expect(bad.body).toMatchObject({ code: "INVALID_ARGUMENT", reason: "PATH_NOT_DECODABLE" });
    }
  });

  it("maps each error code to its status, with the service's reason and metadata", async () => {
    const notFound = await call(h.url, "/items/missing");
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({
      code: "NOT_FOUND",
      reason: "ITEM_NOT_FOUND",
      metadata: { id: "missing" },
    });
    for (const code of ERROR_CODES) {
      const r = await call(h.url, "/fail", {
        method: "POST",
        json: { code, reason: "SOMETHING_SPECIFIC" },
      });
      expect({ code, status: r.status }).toEqual({ code, status: STATUS_BY_CODE[code] });
      expect(r.body?.code).toBe(code);
      if (r.status === 500) {
        // Nothing of what failed inside reaches the client.
        expect(r.text).not.toContain("secret internals");
        expect(r.text).not.toContain("SOMETHING_SPECIFIC");
      } else if (r.status < 500) {
        expect(r.body?.detail).toContain("secret internals");
      }
    }
  });

  it("sends the request's span as traceparent and its trace id as x-trace-id, continuing the caller's trace", async () => {
    const caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    const r = await call(h.url, "/whoami", { headers: { traceparent: caller } });
    const sent = parseTraceparent(r.headers.get("traceparent") ?? "");
    expect(sent?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    expect(sent?.spanId).not.toBe("b7ad6b7169203331");
    expect(r.headers.get("x-trace-id")).toBe("0af7651916cd43dd8448eb211c80319c");
    // The method's call is a child span of the request's span, in the same trace.
    const callee = parseTraceparent(r.body?.traceparent as string);
    expect(callee?.traceId).toBe(sent?.traceId);
    const problem = await call(h.url, "/nothing", { headers: { traceparent: caller } });
    expect(problem.body?.traceId).toBe("0af7651916cd43dd8448eb211c80319c");
    const fresh = await call(h.url, "/whoami", { headers: { traceparent: "garbage" } });
    expect(fresh.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.headers.get("x-trace-id")).not.toBe("0af7651916cd43dd8448eb211c80319c");
  });

  it("copies the configured request headers into the call's metadata, and no others", async () => {
    const r = await call(h.url, "/whoami", {
      headers: { "x-request-id": "req-42", "x-other": "no" },
    });
    expect(r.body?.metadata).toEqual({ "x-request-id": "req-42" });
  });

  it("serves its OpenAPI document", async () => {
    const r = await call(h.url, "/openapi.json");
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ openapi: "3.1.0" });
    expect(Object.keys(r.body?.paths as object)).toContain("/items/{id}");
  });
});

describe("gateway: shutdown", () => {
  it("finishes requests in flight, refuses new ones with 503, then stops listening", async () => {
    const { route } = await import("./route.js");
    const { items } = await import("./fixtures/items.js");
    const h = await startGateway({ gateway: { routes: [route("POST /hold", items, "hold")] } });
    const pending = call(h.url, "/hold", { method: "POST", json: { id: "h1" } });
    while (h.items.holding() === 0) await new Promise((r) => setTimeout(r, 5));
    const stopping = h.app.stop({ grace: "10s" });
    // Let the app reach draining.
    while (h.app.state !== "draining") await new Promise((r) => setTimeout(r, 5));
    const refused = await call(h.url, "/hold", { method: "POST", json: { id: "h2" } });
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: "UNAVAILABLE", reason: "DRAINING" });
    expect(refused.headers.get("retry-after")).toBe("1");
    h.items.release();
    const done = await pending;
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ id: "h1" });
    expect(await stopping).toEqual({ drained: true, abandoned: 0 });
    expect(h.items.created).toEqual(["h1"]);
    await expect(fetch(`${h.url}/hold`, { method: "POST" })).rejects.toThrow();
    await h.stop();
  });
});
