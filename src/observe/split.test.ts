/**
 * One trace across processes: the chain app split over NATS, one child process per service
 * (`weft start --group G`, admin server on), and a client here. Each process's recorder — read
 * through its admin API — holds its part of one trace with the right parents, and the whole has
 * the same shape as the same calls in one process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App, FinishedSpan } from "../core/index.js";
import { createApp } from "../create-app.js";
import { unreachable } from "../testing/services.js";
import { uniqueName } from "../testing/unique-name.js";
import { createNatsTransport } from "../transport/nats/index.js";
import { createChainApp, front } from "./fixtures/chain-app.js";
import { parsePrometheus } from "./fixtures/prometheus.js";
import { OBSERVE } from "./observability.js";
import type { SpanView } from "./span-view.js";

const skip = await unreachable("nats");
const NATS = "nats://127.0.0.1:4222";
const BIN = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const MODULE = fileURLToPath(new URL("./fixtures/chain-app.ts", import.meta.url));

interface Group {
  readonly group: string;
  readonly child: ChildProcess;
  /** The admin server's URL, from `weft start --json`. */
  readonly admin: string;
}

/** Starts one group with `weft start --json` and reads its startup line. */
function startGroup(app: string, group: string): Promise<Group> {
  const child = spawn(process.execPath, [BIN, "start", MODULE, "--group", group, "--json"], {
    env: { ...process.env, WEFT_APP: app, WEFT_NATS_URL: NATS, WEFT_LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (c: string) => stderr.push(c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail("did not start within 30 s"), 30_000);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`group ${group} ${why}\n${stderr.join("")}`));
    };
    child.once("exit", (code) => fail(`exited with code ${code}`));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once("line", (line) => {
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const started = JSON.parse(line) as { admin: string | null };
      if (typeof started.admin !== "string") return fail(`printed no admin URL: ${line}`);
      resolve({ group, child, admin: started.admin });
    });
  });
}

async function stopGroup(g: Group): Promise<void> {
  if (g.child.exitCode !== null || g.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => g.child.once("exit", () => r()));
  g.child.kill("SIGTERM");
  const timer = setTimeout(() => g.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

async function adminGet<T>(g: Group, path: string): Promise<T> {
  const response = await fetch(`${g.admin}${path}`);
  const type = response.headers.get("content-type") ?? "";
  return (type.includes("json") ? await response.json() : await response.text()) as T;
}

/** A trace's shape, independent of ids and processes: each span with its parent's name. */
function shape(
  spans: readonly Pick<FinishedSpan, "kind" | "service" | "method" | "spanId" | "parentSpanId">[],
) {
  const name = (s: (typeof spans)[number]) => `${s.kind} ${s.service}.${s.method}`;
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  return spans
    .map((s) => {
      const parent = s.parentSpanId === undefined ? undefined : byId.get(s.parentSpanId);
      return `${name(s)} <- ${parent === undefined ? "(root)" : name(parent)}`;
    })
    .sort();
}

const fromView = (v: SpanView) => ({ ...v, parentSpanId: v.parentSpanId ?? undefined });

describe.skipIf(skip)("a trace split over NATS", () => {
  const groups: Group[] = [];
  let client: App;

  beforeAll(async () => {
    const app = uniqueName("chain");
    for (const g of await Promise.all(["edge", "orders", "stock"].map((g) => startGroup(app, g))))
      groups.push(g);
    client = createApp(createChainApp(), {
      clientOnly: true,
      env: {},
      observe: true,
      config: { app, logLevel: "warn" },
      transport: createNatsTransport({ servers: NATS }),
    });
    await client.start();
  }, 90_000);

  afterAll(async () => {
    await client?.stop({ grace: "5s" });
    await Promise.all(groups.map(stopGroup));
  }, 60_000);

  const group = (name: string) => groups.find((g) => g.group === name) as Group;

  it("keeps one trace id and a correct parent chain in every process's recorder", async () => {
    const hops = await client.client(front).order({ sku: "p1" });
    const traceId = hops.front.traceId;
    expect(new Set([hops.front.pid, hops.orders.pid, hops.stock.pid, process.pid]).size).toBe(4);
    expect([hops.orders.traceId, hops.stock.traceId]).toEqual([traceId, traceId]);

    const here = client.use(OBSERVE).recorder.spans();
    expect(here).toHaveLength(1);
    const root = here[0] as FinishedSpan;
    expect(root).toMatchObject({ kind: "client", service: "front", traceId, remote: true });
    expect(root.parentSpanId).toBeUndefined();
    expect(root.bytes).toBeGreaterThan(0);

    const part = async (name: string) =>
      (await adminGet<{ spans: SpanView[] }>(group(name), `/api/traces/${traceId}`)).spans;
    const [edge, orders, stock] = await Promise.all([part("edge"), part("orders"), part("stock")]);
    const one = (spans: SpanView[], kind: string, service: string) => {
      const found = spans.filter((s) => s.kind === kind && s.service === service);
      expect(found, `${kind} ${service}`).toHaveLength(1);
      return found[0] as SpanView;
    };
    expect(edge).toHaveLength(2);
    expect(orders).toHaveLength(2);
    expect(stock).toHaveLength(1);
    const frontServed = one(edge, "server", "front");
    const ordersCall = one(edge, "client", "orders");
    const ordersServed = one(orders, "server", "orders");
    const stockCall = one(orders, "client", "stock");
    const stockServed = one(stock, "server", "stock");
    expect(frontServed.parentSpanId).toBe(root.spanId);
    expect(ordersCall.parentSpanId).toBe(frontServed.spanId);
    expect(ordersServed.parentSpanId).toBe(ordersCall.spanId);
    expect(stockCall.parentSpanId).toBe(ordersServed.spanId);
    expect(stockServed.parentSpanId).toBe(stockCall.spanId);
    for (const s of [...edge, ...orders, ...stock]) {
      expect(s.traceId).toBe(traceId);
      expect(s.remote).toBe(true);
      expect(s.error).toBeNull();
    }
    expect(ordersCall.bytes).toBeGreaterThan(0);
    // Handlers saw (and logged with) the spans their processes recorded.
    expect([hops.front.spanId, hops.orders.spanId, hops.stock.spanId]).toEqual([
      frontServed.spanId,
      ordersServed.spanId,
      stockServed.spanId,
    ]);

    // The same calls in one process make a trace of the same shape.
    const local = createApp(createChainApp(), {
      env: {},
      observe: true,
      config: { app: uniqueName("chain_local"), logLevel: "warn" },
    });
    await local.start();
    try {
      await local.client(front).order({ sku: "p1" });
      const split = [root, ...[...edge, ...orders, ...stock].map(fromView)];
      expect(shape(split)).toEqual(shape(local.use(OBSERVE).recorder.spans()));
    } finally {
      await local.stop();
    }
  });

  it("serves each process's health, description, metrics and topology", async () => {
    await client.client(front).order({ sku: "p2" });
    const edge = group("edge");
    const ready = await adminGet<{ status: string; checks: Record<string, { ok: boolean }> }>(
      edge,
      "/readyz",
    );
    expect(ready).toMatchObject({
      status: "ready",
      checks: { app: { ok: true }, nats: { ok: true } },
    });
    const described = await adminGet<{
      localServices: string[];
      remoteServices: string[];
      pid: number;
    }>(edge, "/api/app");
    expect(described.localServices).toEqual(["front"]);
    expect(described.remoteServices.sort()).toEqual(["orders", "stock"]);
    expect(described.pid).toBe(edge.child.pid);
    const metrics = parsePrometheus(await adminGet<string>(edge, "/metrics"));
    const placed = { service: "orders", method: "place", kind: "client", code: "OK" };
    expect(metrics.value("weft_calls_total", placed)).toBeGreaterThanOrEqual(1);
    const topology = await adminGet<{
      edges: { from: string; to: string; remote: number; bytes: number }[];
    }>(edge, "/api/topology");
    const edgeToOrders = topology.edges.find((e) => e.from === "front" && e.to === "orders");
    expect(edgeToOrders?.remote).toBeGreaterThanOrEqual(1);
    expect(edgeToOrders?.bytes).toBeGreaterThan(0);
  });
});
