/**
 * The figures the Services, Topology and Errors pages show, from spans: percentiles by nearest
 * rank, calls per second over the last minute, which spans measure a service (served here, or
 * called from here when it runs elsewhere), and errors counted once per trace with their origin.
 */
import { describe, expect, it } from "vitest";
import type { AppDescription, FinishedSpan } from "../core/index.js";
import { internal, WeftError } from "../core/index.js";
import { edgeStats } from "./edge-stats.js";
import { errorGroups } from "./error-groups.js";
import { callStats, quantile, serviceStats } from "./service-stats.js";

const NOW = 1_800_000_000_000;

function span(
  partial: Partial<FinishedSpan> & Pick<FinishedSpan, "service" | "method">,
): FinishedSpan {
  return {
    kind: "server",
    app: "shop",
    traceId: "t1",
    spanId: Math.random().toString(16).slice(2),
    parentSpanId: undefined,
    caller: undefined,
    startTime: NOW - 1000,
    durationMs: 10,
    error: undefined,
    remote: false,
    bytes: undefined,
    ...partial,
  };
}

const declined = new WeftError("FAILED_PRECONDITION", "CARD_DECLINED", "card declined");

describe("callStats", () => {
  it("takes percentiles by nearest rank", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(sorted, 0.5), quantile(sorted, 0.99), quantile([7], 0.99)]).toEqual([
      50, 99, 7,
    ]);
    expect(quantile([], 0.5)).toBeNull();
  });

  it("counts calls per second over the last minute only", () => {
    const spans = [
      ...Array.from({ length: 30 }, () => span({ service: "a", method: "m" })),
      span({ service: "a", method: "m", startTime: NOW - 120_000 }),
    ];
    const stats = callStats(spans, NOW, NOW - 3_600_000);
    expect(stats.calls).toBe(31);
    expect(stats.perSecond).toBe(0.5);
    // An app up for 10 s divides by 10 s, not by a minute.
    expect(callStats(spans.slice(0, 30), NOW, NOW - 10_000).perSecond).toBe(3);
  });
});

describe("serviceStats", () => {
  const description: AppDescription = {
    name: "shop",
    state: "running",
    env: "test",
    groups: { edge: ["checkout"], orders: ["payment"] },
    running: ["edge"],
    localServices: ["checkout"],
    remoteServices: ["payment"],
    transport: "nats",
  };
  const process = { app: "shop", instance: "i-1", pid: 42, hostname: "h", groups: ["edge"] };

  it("measures local services by what they served and remote ones by the calls made to them", () => {
    const spans = [
      span({ service: "checkout", method: "placeOrder", kind: "client" }),
      span({ service: "checkout", method: "placeOrder", kind: "server", durationMs: 30 }),
      span({ service: "payment", method: "charge", kind: "client", remote: true, error: declined }),
    ];
    const contracts = new Map([
      [
        "checkout",
        new Map([
          ["placeOrder", { description: "Places", idempotent: false }],
          ["getOrder", { description: undefined, idempotent: true }],
        ]),
      ],
    ]);
    const [checkout, payment] = serviceStats({
      spans,
      description,
      contracts,
      process,
      now: NOW,
      since: NOW - 60_000,
    });
    expect(checkout).toMatchObject({
      name: "checkout",
      local: true,
      measured: "served",
      calls: 1,
      p50Ms: 30,
    });
    expect(checkout?.processes).toEqual([process]);
    expect(checkout?.methods.map((m) => [m.name, m.calls])).toEqual([
      ["placeOrder", 1],
      ["getOrder", 0],
    ]);
    expect(payment).toMatchObject({
      name: "payment",
      local: false,
      measured: "called",
      calls: 1,
      errors: 1,
    });
    expect(payment?.processes).toEqual([]);
  });
});

describe("edgeStats", () => {
  it("tallies client spans per caller and callee, with the calls that crossed processes", () => {
    const edges = edgeStats(
      [
        span({
          service: "cart",
          method: "getCart",
          kind: "client",
          caller: "checkout",
          remote: true,
        }),
        span({ service: "cart", method: "addItem", kind: "client", caller: "checkout" }),
        span({ service: "cart", method: "addItem", kind: "server" }),
        span({ service: "catalog", method: "get", kind: "client" }),
      ],
      NOW,
      NOW - 60_000,
    );
    expect(edges.map((e) => [e.from, e.to, e.calls, e.remote])).toEqual([
      ["checkout", "cart", 2, 1],
      [null, "catalog", 1, 0],
    ]);
  });
});

describe("errorGroups", () => {
  it("counts a failure once per trace and names where it started", () => {
    const groups = errorGroups([
      // trace 1: the charge fails, the step and the order see it too
      span({
        traceId: "t1",
        service: "payment",
        method: "charge",
        startTime: NOW - 900,
        error: declined,
      }),
      span({
        traceId: "t1",
        service: "payment",
        method: "charge",
        kind: "client",
        startTime: NOW - 901,
        error: declined,
      }),
      span({
        traceId: "t1",
        service: "checkout",
        method: "placeOrder",
        startTime: NOW - 990,
        error: declined,
      }),
      // trace 2, later: once more
      span({
        traceId: "t2",
        service: "payment",
        method: "charge",
        startTime: NOW - 100,
        error: declined,
      }),
      span({
        traceId: "t3",
        service: "email",
        method: "send",
        error: internal("SMTP_DOWN", "smtp down"),
      }),
      span({ traceId: "t4", service: "email", method: "send" }),
    ]);
    expect(groups.map((g) => [g.reason, g.count, g.spans])).toEqual([
      ["CARD_DECLINED", 2, 4],
      ["SMTP_DOWN", 1, 1],
    ]);
    expect(groups[0]).toMatchObject({
      code: "FAILED_PRECONDITION",
      origin: "payment.charge",
      sampleTraceId: "t2",
      services: ["payment", "checkout"],
      message: "card declined",
    });
  });
});
