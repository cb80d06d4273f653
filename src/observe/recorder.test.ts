/**
 * Spans through a running app in one process, on every local call path: plain function calls,
 * calls through client middleware, and serialized calls. Every call has a client span at the
 * caller and a server span at the callee, so the tree is the same in each (and split: see
 * split.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type App,
  type CallContext,
  createLogger,
  defineApp,
  defineService,
  type FinishedSpan,
  type Middleware,
  method,
  notFound,
} from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/unique-name.js";
import { parsePrometheus } from "./fixtures/prometheus.js";
import { OBSERVE } from "./observability.js";

const front = defineService("front", {
  order: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});
const orders = defineService("orders", {
  place: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});
const stock = defineService("stock", {
  reserve: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});

/** What a handler saw of its own span. */
const seen = (ctx: CallContext) => ({ spanId: ctx.trace.spanId, traceId: ctx.trace.traceId });

function shop() {
  return [
    front.implement({
      async order(ctx, input) {
        return { front: seen(ctx), inner: await ctx.client(orders).place(input) };
      },
    }),
    orders.implement({
      async place(ctx, input) {
        return { orders: seen(ctx), inner: await ctx.client(stock).reserve(input) };
      },
    }),
    stock.implement({
      async reserve(ctx, { sku }) {
        if (sku === "missing") throw notFound("SKU_NOT_FOUND", `no ${sku}`);
        return { stock: seen(ctx) };
      },
    }),
  ];
}

const passThrough: Middleware = (next) => (ctx, input) => next(ctx, input);

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop({ grace: 0 })));
});

async function start(mode: string, maxSpans?: number): Promise<App> {
  const app = createApp(
    defineApp({
      name: uniqueName("rec"),
      services: shop(),
      ...(mode === "client middleware" ? { middleware: { client: [passThrough] } } : {}),
    }),
    {
      env: {},
      config: { logLevel: "warn", serialize: mode === "serialized" },
      observe: maxSpans === undefined ? true : { maxSpans },
    },
  );
  apps.push(app);
  await app.start();
  return app;
}

/** The spans of one trace, by kind and name. */
function byName(spans: readonly FinishedSpan[]) {
  const find = (kind: string, service: string) => {
    const found = spans.filter((s) => s.kind === kind && s.service === service);
    expect(found, `${kind} ${service}`).toHaveLength(1);
    return found[0] as FinishedSpan;
  };
  return find;
}

describe.each(["plain calls", "client middleware", "serialized"])("spans (%s)", (mode) => {
  it("records a client and a server span per call, in one trace, each server span a child of its client span", async () => {
    const app = await start(mode);
    const out = (await app.client(front).order({ sku: "p1" })) as {
      front: { spanId: string; traceId: string };
      inner: { orders: { spanId: string }; inner: { stock: { spanId: string } } };
    };
    const spans = app.use(OBSERVE).recorder.spans();
    expect(spans).toHaveLength(6);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([out.front.traceId]));
    const find = byName(spans);
    const rootCall = find("client", "front");
    expect(rootCall.parentSpanId).toBeUndefined();
    expect(rootCall.caller).toBeUndefined();
    const frontServed = find("server", "front");
    expect(frontServed.parentSpanId).toBe(rootCall.spanId);
    const ordersCall = find("client", "orders");
    expect(ordersCall.parentSpanId).toBe(frontServed.spanId);
    expect(ordersCall.caller).toBe("front");
    const ordersServed = find("server", "orders");
    expect(ordersServed.parentSpanId).toBe(ordersCall.spanId);
    const stockCall = find("client", "stock");
    expect(stockCall.parentSpanId).toBe(ordersServed.spanId);
    expect(stockCall.caller).toBe("orders");
    const stockServed = find("server", "stock");
    expect(stockServed.parentSpanId).toBe(stockCall.spanId);
    // Handlers see their server span: logs and nested calls use the recorded ids.
    expect(out.front.spanId).toBe(frontServed.spanId);
    expect(out.inner.orders.spanId).toBe(ordersServed.spanId);
    expect(out.inner.inner.stock.spanId).toBe(stockServed.spanId);
    for (const s of spans) {
      expect(s.error).toBeUndefined();
      expect(s.remote).toBe(false);
      expect(s.durationMs).toBeGreaterThanOrEqual(0);
      expect(s.app).toBe(app.name);
    }
    // A call lasts at least as long as its serving, as its caller sees it.
    expect(rootCall.startTime).toBeLessThanOrEqual(frontServed.startTime);
    expect(rootCall.startTime + rootCall.durationMs).toBeGreaterThanOrEqual(
      frontServed.startTime + frontServed.durationMs,
    );

    const [summary] = app.use(OBSERVE).recorder.traces();
    expect(summary).toMatchObject({
      traceId: out.front.traceId,
      name: "front.order",
      root: { service: "front", method: "order", kind: "client" },
      spans: 6,
      errors: 0,
      error: null,
      apps: [app.name],
    });
    expect([...(summary?.services ?? [])].sort()).toEqual(["front", "orders", "stock"]);
  });

  it("records the error where it happened and on every caller's span, and counts it", async () => {
    const app = await start(mode);
    await expect(app.client(front).order({ sku: "missing" })).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    const { recorder, metrics, topology } = app.use(OBSERVE);
    const failed = recorder.spans().filter((s) => s.error !== undefined);
    expect(failed.map((s) => `${s.kind} ${s.service}`).sort()).toEqual([
      "client front",
      "client orders",
      "client stock",
      "server front",
      "server orders",
      "server stock",
    ]);
    const [summary] = recorder.traces({ errors: true });
    expect(summary?.errors).toBe(6);
    expect(summary?.error).toMatchObject({
      code: "NOT_FOUND",
      reason: "SKU_NOT_FOUND",
      service: "front", // the first span (by start) with an error: the root call
    });
    const exposition = parsePrometheus(metrics.render());
    const labels = { service: "stock", method: "reserve", code: "NOT_FOUND" };
    expect(exposition.value("weft_calls_total", { ...labels, kind: "server" })).toBe(1);
    expect(exposition.value("weft_calls_total", { ...labels, kind: "client" })).toBe(1);
    expect(
      exposition.value("weft_call_duration_seconds_count", {
        service: "stock",
        method: "reserve",
        kind: "server",
      }),
    ).toBe(1);
    expect(topology.snapshot().find((e) => e.from === "orders" && e.to === "stock")).toMatchObject({
      calls: 1,
      errors: 1,
      remote: 0,
    });
  });
});

describe("recorder", () => {
  it("tallies edges between services and from outside", async () => {
    const app = await start("plain calls");
    await app.client(front).order({ sku: "a" });
    await app.client(front).order({ sku: "b" });
    const edges = app.use(OBSERVE).topology.snapshot();
    const edge = (from: string | null, to: string) =>
      edges.find((e) => e.from === from && e.to === to);
    expect(edge(null, "front")?.calls).toBe(2);
    expect(edge("front", "orders")?.calls).toBe(2);
    expect(edge("orders", "stock")).toMatchObject({ calls: 2, errors: 0 });
    expect(edge("orders", "stock")?.totalMs).toBeGreaterThan(0);
    expect(edges).toHaveLength(3);
  });

  it("records work run by app.perform as an internal span, parent of the calls it makes", async () => {
    const app = await start("plain calls");
    const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    await app.perform("front", "GET /orders/:id", (ctx) => ctx.client(orders).place({ sku: "x" }), {
      traceparent: incoming,
    });
    const spans = app.use(OBSERVE).recorder.spans();
    const find = byName(spans);
    const work = find("internal", "front");
    expect(work).toMatchObject({
      method: "GET /orders/:id",
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      parentSpanId: "00f067aa0ba902b7",
    });
    expect(find("client", "orders")).toMatchObject({ parentSpanId: work.spanId, caller: "front" });
    const [summary] = app.use(OBSERVE).recorder.traces();
    expect(summary?.name).toBe("front GET /orders/:id");
    const failing = app.perform("front", "on order.placed", async () => {
      throw notFound("ORDER_GONE", "gone");
    });
    await expect(failing).rejects.toMatchObject({ reason: "ORDER_GONE" });
    const exposition = parsePrometheus(app.use(OBSERVE).metrics.render());
    expect(
      exposition.value("weft_calls_total", {
        service: "front",
        method: "on order.placed",
        kind: "internal",
        code: "NOT_FOUND",
      }),
    ).toBe(1);
  });

  it("keeps only the last maxSpans spans, and finds traces and spans by id", async () => {
    const app = await start("plain calls", 8);
    for (let i = 0; i < 3; i++) await app.client(front).order({ sku: `s${i}` });
    const { recorder } = app.use(OBSERVE);
    expect(recorder.recorded).toBe(18);
    expect(recorder.size).toBe(8);
    const spans = recorder.spans();
    expect(spans).toHaveLength(8);
    const last = spans.at(-1) as FinishedSpan;
    const traces = recorder.traces();
    // The newest trace is whole; older ones show what is left of them.
    expect(traces[0]?.traceId).toBe(last.traceId);
    expect(traces[0]?.spans).toBe(6);
    expect(traces.reduce((n, t) => n + t.spans, 0)).toBe(8);
    const one = recorder.trace(last.traceId);
    expect(one?.map((s) => s.name)).toEqual([
      "front.order",
      "front.order",
      "orders.place",
      "orders.place",
      "stock.reserve",
      "stock.reserve",
    ]);
    expect(recorder.trace("0".repeat(32))).toBeUndefined();
    expect(recorder.traces({ limit: 1 })).toHaveLength(1);
    expect(recorder.traces({ service: "nope" })).toHaveLength(0);
  });

  it("writes log lines with the trace and span ids the recorder holds", async () => {
    const lines: string[] = [];
    const logged = defineService("logged", {
      run: method({ input: z.object({}), output: z.null() }),
    });
    const app = createApp(
      defineApp({
        name: uniqueName("logs"),
        services: [
          logged.implement({
            async run(ctx) {
              ctx.logger.info("working");
              return null;
            },
          }),
        ],
      }),
      {
        env: {},
        observe: true,
        logger: createLogger({ destination: { write: (l) => lines.push(l) } }),
      },
    );
    apps.push(app);
    await app.start();
    await app.client(logged).run({});
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.msg === "working");
    const served = app
      .use(OBSERVE)
      .recorder.spans()
      .find((s) => s.kind === "server");
    expect(line).toMatchObject({
      service: "logged",
      method: "run",
      traceId: served?.traceId,
      spanId: served?.spanId,
    });
  });

  it("builds no spans when observability is off", async () => {
    const spans: FinishedSpan[] = [];
    const app = createApp(defineApp({ name: uniqueName("off"), services: shop() }), {
      env: {},
      config: { logLevel: "warn" },
    });
    apps.push(app);
    await app.start();
    await app.client(front).order({ sku: "p" });
    expect(() => app.use(OBSERVE)).toThrow(/observability/);
    const watched = createApp(defineApp({ name: uniqueName("own"), services: shop() }), {
      env: {},
      config: { logLevel: "warn" },
      observer: { onSpan: (s) => spans.push(s) },
    });
    apps.push(watched);
    await watched.start();
    await watched.client(front).order({ sku: "p" });
    expect(spans).toHaveLength(6);
  });
});
