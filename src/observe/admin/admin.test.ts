/**
 * The admin server over real HTTP (port 0): probes, metrics read back as Prometheus text, the
 * app's description, traces, topology, the span stream, routes added by other modules, and its
 * guards (token, Host, JSON-only changes). The app runs on a SQLite file in a temp folder.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { get as httpGet } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type App,
  type ConfigInput,
  defineApp,
  defineService,
  method,
  unavailable,
} from "../../core/index.js";
import { createApp } from "../../create-app.js";
import { STORE } from "../../store/extension.js";
import { uniqueName } from "../../testing/unique-name.js";
import { parsePrometheus } from "../fixtures/prometheus.js";
import { ADMIN } from "./extension.js";
import { AdminRouter } from "./router.js";
import { listenAdmin } from "./server.js";

const front = defineService("front", {
  order: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});
const orders = defineService("orders", {
  place: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** When set, `orders.place` says it was reached and waits for the gate to open. */
let hold: { reached: () => void; gate: Promise<void> } | undefined;
const services = [
  front.implement({
    async order(ctx, input) {
      return ctx.client(orders).place(input);
    },
  }),
  orders.implement({
    async place(_ctx, { sku }) {
      hold?.reached();
      await hold?.gate;
      return { sku };
    },
  }),
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  hold = undefined;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startApp(config: ConfigInput = {}): Promise<{ app: App; url: string }> {
  const dir = await mkdtemp(join(tmpdir(), "weft-admin-"));
  const app = createApp(defineApp({ name: uniqueName("admin"), services, store: true }), {
    env: {},
    admin: true,
    config: { logLevel: "warn", dataDir: dir, adminPort: 0, ...config },
  });
  cleanups.push(async () => {
    await app.stop({ grace: 0 });
    await rm(dir, { recursive: true, force: true });
  });
  await app.start();
  const url = app.use(ADMIN).url as string;
  return { app, url };
}

// biome-ignore lint/suspicious/noExplicitAny: tests read answers' JSON freely
type Json = any;

async function get(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: Json; headers: Headers }> {
  const response = await fetch(url, { headers });
  const type = response.headers.get("content-type") ?? "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, type, body, headers: response.headers };
}

describe("admin server", () => {
  it("answers probes, metrics, the app's description, traces and topology", async () => {
    const { app, url } = await startApp();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get(`${url}/livez`)).toMatchObject({ status: 200, body: { status: "alive" } });
    const ready = await get(`${url}/readyz`);
    expect(ready).toMatchObject({
      status: 200,
      body: {
        status: "ready",
        checks: { app: { ok: true, state: "running" }, store: { ok: true } },
      },
    });
    expect((await get(`${url}/healthz`)).body).toEqual(ready.body);

    await app.client(front).order({ sku: "p1" });

    const metrics = await get(`${url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    const exposition = parsePrometheus(metrics.body as string);
    const served = { service: "orders", method: "place", kind: "server", code: "OK" };
    expect(exposition.value("weft_calls_total", served)).toBe(1);
    expect(exposition.value("weft_calls_total", { ...served, kind: "client" })).toBe(1);
    expect(
      exposition.value("weft_call_duration_seconds_count", {
        service: "front",
        method: "order",
        kind: "server",
      }),
    ).toBe(1);
    expect(exposition.value("weft_app_ready")).toBe(1);
    expect(exposition.value("process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(exposition.value("weft_app_info", { app: app.name })).toBe(1);
    for (const [name, type] of exposition.types) {
      expect(name).toMatch(/^[a-z][a-z0-9_]*$/);
      if (type === "counter") expect(name).toMatch(/_total$/);
      if (type === "histogram") expect(name).toMatch(/_seconds$/);
    }

    const described = await get(`${url}/api/app`);
    expect(described.body).toMatchObject({
      name: app.name,
      state: "running",
      localServices: expect.arrayContaining(["front", "orders"]),
      pid: process.pid,
      admin: url,
    });
    expect(described.body.instance).toMatch(/^[0-9a-f-]{36}$/);

    const traces = await get(`${url}/api/traces`);
    expect(traces.body.traces).toHaveLength(1);
    expect(traces.body.traces[0]).toMatchObject({ name: "front.order", spans: 4, error: null });
    const traceId = traces.body.traces[0].traceId as string;
    const trace = await get(`${url}/api/traces/${traceId}`);
    expect(
      trace.body.spans.map((s: { kind: string; name: string }) => `${s.kind} ${s.name}`),
    ).toEqual([
      "client front.order",
      "server front.order",
      "client orders.place",
      "server orders.place",
    ]);
    const missing = await get(`${url}/api/traces/${"0".repeat(32)}`);
    expect(missing).toMatchObject({
      status: 404,
      type: "application/problem+json; charset=utf-8",
      body: { status: 404, code: "NOT_FOUND", reason: "TRACE_NOT_FOUND" },
    });

    const topology = await get(`${url}/api/topology`);
    expect(topology.body.edges).toEqual([
      expect.objectContaining({ from: "front", to: "orders", calls: 1, errors: 0 }),
    ]);
    expect(topology.body.external).toEqual([expect.objectContaining({ to: "front", calls: 1 })]);
    expect(topology.body.services).toEqual(
      expect.arrayContaining([{ name: "front", group: "main", local: true }]),
    );

    expect((await get(`${url}/nothing/here`)).status).toBe(404);
    const wrongMethod = await fetch(`${url}/livez`, { method: "POST" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET");
  });

  it("requires the token on everything but the health probes, and hides failure details from strangers", async () => {
    const token = "s3cret-admin-token-0123456789";
    const { app, url } = await startApp({ adminToken: token });
    for (const path of ["/metrics", "/api/app", "/api/traces", "/api/topology"]) {
      const anonymous = await get(`${url}${path}`);
      expect(anonymous.status, path).toBe(401);
      expect(anonymous.body).toMatchObject({ reason: "ADMIN_TOKEN_REQUIRED" });
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
      for (const wrong of [`Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, token, "Basic x"]) {
        expect((await get(`${url}${path}`, { authorization: wrong })).status, wrong).toBe(401);
      }
      expect((await get(`${url}${path}`, { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    for (const path of ["/livez", "/readyz", "/healthz"]) {
      expect((await get(`${url}${path}`)).status, path).toBe(200);
    }
    app.use(ADMIN).check("payments", () => {
      throw new Error("payments.internal:8443 refused the connection");
    });
    const stranger = await get(`${url}/readyz`);
    expect(stranger).toMatchObject({ status: 503, body: { checks: { payments: { ok: false } } } });
    expect(JSON.stringify(stranger.body)).not.toContain("8443");
    const operator = await get(`${url}/readyz`, { authorization: `Bearer ${token}` });
    expect(operator.body.checks.payments.error).toBe(
      "payments.internal:8443 refused the connection",
    );
  });

  it("answers only requests addressed to this machine when it has no token", async () => {
    const { url } = await startApp();
    // What a page on attacker.example sends once its name resolves to 127.0.0.1 (DNS rebinding).
    const { status, body } = await new Promise<{ status: number; body: string }>(
      (resolve, reject) => {
        const request = httpGet(
          `${url}/api/app`,
          { headers: { host: "attacker.example" } },
          (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (c: string) => {
              text += c;
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
          },
        );
        request.on("error", reject);
      },
    );
    expect(status).toBe(403);
    expect(JSON.parse(body)).toMatchObject({ reason: "ADMIN_HOST_REFUSED" });
    const local = await fetch(`${url.replace("127.0.0.1", "localhost")}/livez`);
    expect(local.status).toBe(200);
  });

  it("reports not ready while the app drains, and when its store is closed", async () => {
    const { app, url } = await startApp();
    const gate = deferred();
    const reached = deferred();
    hold = { reached: reached.resolve, gate: gate.promise };
    const call = app.client(front).order({ sku: "slow" });
    await reached.promise;
    const stopping = app.stop({ grace: "10s" });
    await new Promise((r) => setImmediate(r));
    expect(app.state).toBe("draining");
    const draining = await get(`${url}/readyz`);
    expect(draining).toMatchObject({
      status: 503,
      body: { status: "not ready", checks: { app: { ok: false, state: "draining" } } },
    });
    expect((await get(`${url}/livez`)).status).toBe(200);
    gate.resolve();
    await call;
    expect(await stopping).toEqual({ drained: true, abandoned: 0 });
    await expect(fetch(`${url}/livez`)).rejects.toThrow();

    const second = await startApp();
    expect((await get(`${second.url}/readyz`)).status).toBe(200);
    await second.app.use(STORE).close();
    const closed = await get(`${second.url}/readyz`);
    expect(closed.status).toBe(503);
    expect(closed.body.checks.app.ok).toBe(true);
    expect(closed.body.checks.store).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it("streams finished spans and their traces as server-sent events", async () => {
    const { app, url } = await startApp();
    const controller = new AbortController();
    const response = await fetch(`${url}/api/events/stream`, { signal: controller.signal });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const events: { event: string; data: Record<string, unknown> }[] = [];
    const next = async () => {
      for (;;) {
        const blank = text.indexOf("\n\n");
        if (blank >= 0) {
          const block = text.slice(0, blank);
          text = text.slice(blank + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event !== undefined && data !== undefined) return { event, data: JSON.parse(data) };
          continue;
        }
        const chunk = await reader.read();
        if (chunk.done) throw new Error("the stream ended");
        text += decoder.decode(chunk.value, { stream: true });
      }
    };
    expect(await next()).toMatchObject({ event: "hello", data: { app: app.name } });
    await app.client(front).order({ sku: "live" });
    while (!events.some((e) => e.event === "traces")) events.push(await next());
    const spans = events
      .filter((e) => e.event === "spans")
      .flatMap((e) => e.data.spans as { name: string; kind: string; traceId: string }[]);
    expect(spans.map((s) => `${s.kind} ${s.name}`).sort()).toEqual([
      "client front.order",
      "client orders.place",
      "server front.order",
      "server orders.place",
    ]);
    const traces = events.find((e) => e.event === "traces")?.data.traces as { traceId: string }[];
    expect(traces.map((t) => t.traceId)).toEqual([spans[0]?.traceId]);
    controller.abort();
  });

  it("serves routes and readiness checks added by other modules", async () => {
    const { app, url } = await startApp();
    const admin = app.use(ADMIN);
    admin.route("GET", "/api/things/:id", ({ params, query }) => ({
      json: { id: params.id, verbose: query.get("verbose") },
    }));
    admin.route("POST", "/api/things", async (request) => ({
      status: 201,
      json: await request.json(),
    }));
    expect((await get(`${url}/api/things/a%20b?verbose=1`)).body).toEqual({
      id: "a b",
      verbose: "1",
    });
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${url}/api/things`, { method: "POST", body, headers });
    const created = await post('{"n":1}', { "content-type": "application/json" });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ n: 1 });
    // A web page can send a form or text/plain without asking; the admin API takes only JSON.
    expect((await post('{"n":1}', { "content-type": "text/plain" })).status).toBe(400);
    expect(
      (
        await post('{"n":1}', {
          "content-type": "application/json",
          origin: "https://evil.example",
        })
      ).status,
    ).toBe(403);
    expect((await post("{nope", { "content-type": "application/json" })).status).toBe(400);
    expect(() => admin.route("GET", "/metrics", () => ({ json: {} }))).toThrow(/already taken/);
    let healthy = false;
    admin.check("queue", () => {
      if (!healthy) throw unavailable("QUEUE_DOWN", "the queue is down");
      return { depth: 3 };
    });
    const down = await get(`${url}/readyz`);
    expect(down).toMatchObject({
      status: 503,
      body: { checks: { queue: { ok: false, error: "the queue is down" } } },
    });
    healthy = true;
    expect(await get(`${url}/readyz`)).toMatchObject({
      status: 200,
      body: { checks: { queue: { ok: true, depth: 3 } } },
    });
  });

  it("takes a free port when the default one is taken, and fails on a chosen one", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise((r) => blocker.close(() => r())));
    const port = (blocker.address() as { port: number }).port;
    const logger = {
      trace() {},
      debug() {},
      info() {},
      warn() {},
      error() {},
      fatal() {},
      child: () => logger,
    };
    const options = {
      host: "127.0.0.1",
      port,
      token: undefined,
      router: new AdminRouter(),
      logger,
    };
    const moved = await listenAdmin({ ...options, fallbackPort: true });
    cleanups.push(() => moved.close());
    expect(moved.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(moved.url).not.toBe(`http://127.0.0.1:${port}`);
    await expect(listenAdmin(options)).rejects.toMatchObject({ code: "EADDRINUSE" });
    const app = createApp(defineApp({ name: uniqueName("port"), services }), {
      admin: true,
      env: { WEFT_ADMIN_PORT: String(port) },
      config: { logLevel: "silent" },
    });
    await expect(app.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(app.state).toBe("failed");
  });
});
