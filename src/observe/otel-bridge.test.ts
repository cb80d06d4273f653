/**
 * The OpenTelemetry bridge with the real SDK (BasicTracerProvider + InMemorySpanExporter): every
 * span Weft records is exported with Weft's own trace and span ids, RPC attributes, span kinds and
 * error status; two apps with their own providers export apart, and nothing touches the global
 * tracer provider.
 */
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, defineService, method, notFound } from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/unique-name.js";
import { OBSERVE } from "./observability.js";

const front = defineService("front", {
  order: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});
const stock = defineService("stock", {
  reserve: method({ input: z.object({ sku: z.string() }), output: z.unknown() }),
});
const services = [
  front.implement({
    async order(ctx, input) {
      return ctx.client(stock).reserve(input);
    },
  }),
  stock.implement({
    async reserve(_ctx, { sku }) {
      if (sku === "gone") throw notFound("SKU_NOT_FOUND", `no ${sku}`);
      return { sku };
    },
  }),
];

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.stop({ grace: 0 })));
});

async function start(serialize = false) {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const app = createApp(defineApp({ name: uniqueName("otel"), services }), {
    env: {},
    config: { logLevel: "warn", serialize },
    telemetry: { tracerProvider },
  });
  apps.push(app);
  await app.start();
  return { app, exporter };
}

const key = (s: { traceId: string; spanId: string }) => `${s.traceId}/${s.spanId}`;

describe("OpenTelemetry bridge", () => {
  it.each([false, true])(
    "exports every span with Weft's ids, parents, kinds and RPC attributes (serialize: %s)",
    async (serialize) => {
      const { app, exporter } = await start(serialize);
      await app.client(front).order({ sku: "p1" });
      const recorded = app.use(OBSERVE).recorder.spans();
      const exported = exporter.getFinishedSpans();
      expect(exported).toHaveLength(4);
      const byId = new Map<string, ReadableSpan>(exported.map((s) => [key(s.spanContext()), s]));
      for (const span of recorded) {
        const otel = byId.get(key(span));
        expect(otel, `${span.kind} ${span.service}`).toBeDefined();
        expect(otel?.parentSpanContext?.spanId).toBe(span.parentSpanId);
        expect(otel?.name).toBe(`${span.service}.${span.method}`);
        expect(otel?.kind).toBe(span.kind === "client" ? SpanKind.CLIENT : SpanKind.SERVER);
        expect(otel?.attributes).toMatchObject({
          "rpc.system": "weft",
          "rpc.service": span.service,
          "rpc.method": span.method,
          "weft.app": app.name,
        });
        expect(otel?.status.code).toBe(SpanStatusCode.UNSET);
        // Same times, to the microsecond OTel keeps.
        const start = otel?.startTime ?? [0, 0];
        expect(start[0] * 1e3 + start[1] / 1e6).toBeCloseTo(span.startTime, 0);
      }
      expect(exported.filter((s) => s.parentSpanContext === undefined)).toHaveLength(1);
    },
  );

  it("marks failed spans with ERROR status and the Weft error code", async () => {
    const { app, exporter } = await start();
    await expect(app.client(front).order({ sku: "gone" })).rejects.toMatchObject({
      reason: "SKU_NOT_FOUND",
    });
    const served = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.SERVER && s.name === "stock.reserve");
    expect(served?.status).toEqual({ code: SpanStatusCode.ERROR, message: "no gone" });
    expect(served?.attributes).toMatchObject({
      "weft.error.code": "NOT_FOUND",
      "weft.error.reason": "SKU_NOT_FOUND",
      "error.type": "NOT_FOUND",
    });
  });

  it("exports performed work as an INTERNAL span continuing the incoming trace", async () => {
    const { app, exporter } = await start();
    await app.perform(
      "front",
      "GET /orders/:id",
      (ctx) => ctx.client(stock).reserve({ sku: "x" }),
      {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      },
    );
    const work = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.INTERNAL);
    expect(work?.name).toBe("front GET /orders/:id");
    expect(work?.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(work?.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(work?.attributes).toMatchObject({
      "weft.service": "front",
      "weft.operation": "GET /orders/:id",
    });
  });

  it("keeps two apps' spans apart and never sets the global tracer provider", async () => {
    const globalBefore = trace.getTracerProvider();
    const one = await start();
    const two = await start();
    await one.app.client(front).order({ sku: "a" });
    await two.app.client(front).order({ sku: "b" });
    await two.app.client(front).order({ sku: "c" });
    expect(one.exporter.getFinishedSpans()).toHaveLength(4);
    expect(two.exporter.getFinishedSpans()).toHaveLength(8);
    const ids = (e: InMemorySpanExporter) =>
      new Set(e.getFinishedSpans().map((s) => s.spanContext().traceId));
    expect([...ids(one.exporter)].some((id) => ids(two.exporter).has(id))).toBe(false);
    expect(trace.getTracerProvider()).toBe(globalBefore);
  });
});
