/** The metrics registry and its Prometheus text, read back by a strict parser. */
import { describe, expect, it } from "vitest";
import { expectWeftError } from "../../testing/expect-weft-error.js";
import { parsePrometheus } from "../fixtures/prometheus.js";
import { createMetrics } from "./registry.js";

/** Expects `fn` to throw a Weft error of `code` (and `reason`). */
const throwsWeft = (fn: () => unknown, code: string, reason?: string) =>
  expectWeftError(Promise.resolve().then(fn), code, reason);

describe("metrics registry", () => {
  it("renders counters, gauges and histograms that parse back to the same numbers", () => {
    const metrics = createMetrics();
    const calls = metrics.counter("demo_calls_total", "Calls.", ["service", "code"]);
    calls.inc({ service: "catalog", code: "OK" });
    calls.inc({ service: "catalog", code: "OK" }, 2);
    calls.series("cart", "NOT_FOUND").inc();
    const depth = metrics.gauge("demo_queue_depth", "Queue depth.");
    depth.set(undefined, 7);
    const latency = metrics.histogram("demo_latency_seconds", "Latency.", ["service"], [0.1, 1]);
    latency.observe({ service: "catalog" }, 0.05);
    latency.observe({ service: "catalog" }, 0.5);
    latency.series("catalog").observe(3);

    const parsed = parsePrometheus(metrics.render());
    expect(parsed.types.get("demo_calls_total")).toBe("counter");
    expect(parsed.types.get("demo_latency_seconds")).toBe("histogram");
    expect(parsed.value("demo_calls_total", { service: "catalog", code: "OK" })).toBe(3);
    expect(parsed.value("demo_calls_total", { service: "cart", code: "NOT_FOUND" })).toBe(1);
    expect(parsed.value("demo_queue_depth")).toBe(7);
    // Buckets are cumulative and end with +Inf = count.
    expect(parsed.value("demo_latency_seconds_bucket", { le: "0.1" })).toBe(1);
    expect(parsed.value("demo_latency_seconds_bucket", { le: "1" })).toBe(2);
    expect(parsed.value("demo_latency_seconds_bucket", { le: "+Inf" })).toBe(3);
    expect(parsed.value("demo_latency_seconds_count")).toBe(3);
    expect(parsed.value("demo_latency_seconds_sum")).toBeCloseTo(3.55);
  });

  it("escapes label values and help text so any string survives", () => {
    const metrics = createMetrics();
    metrics
      .counter("demo_routes_total", 'Routes\\ with "quotes"\nand lines.', ["route"])
      .inc({ route: 'GET /a\\b "c"\nd' });
    const parsed = parsePrometheus(metrics.render());
    expect(parsed.find("demo_routes_total")[0]?.labels.route).toBe('GET /a\\b "c"\nd');
    expect(parsed.help.get("demo_routes_total")).toBe('Routes\\\\ with "quotes"\\nand lines.');
  });

  it("gives back the same metric when declared again alike, and refuses a different one", async () => {
    const metrics = createMetrics();
    const a = metrics.counter("demo_total", "Demo.", ["topic"]);
    const b = metrics.counter("demo_total", "Demo.", ["topic"]);
    a.inc({ topic: "t" });
    b.inc({ topic: "t" });
    expect(parsePrometheus(metrics.render()).value("demo_total", { topic: "t" })).toBe(2);
    await throwsWeft(() => metrics.gauge("demo_total", "Demo."), "ALREADY_EXISTS", "METRIC_EXISTS");
    await throwsWeft(
      () => metrics.counter("demo_total", "Demo.", ["other"]),
      "ALREADY_EXISTS",
      "METRIC_EXISTS",
    );
  });

  it("refuses invalid names, labels and buckets, and counters going down", async () => {
    const metrics = createMetrics();
    await throwsWeft(() => metrics.counter("bad-name", "x"), "INVALID_ARGUMENT", "METRIC_INVALID");
    await throwsWeft(() => metrics.counter("ok_total", "x", ["__reserved"]), "INVALID_ARGUMENT");
    await throwsWeft(() => metrics.histogram("h_seconds", "x", ["le"]), "INVALID_ARGUMENT");
    await throwsWeft(() => metrics.histogram("h2_seconds", "x", [], [1, 0.5]), "INVALID_ARGUMENT");
    const c = metrics.counter("c_total", "x");
    await throwsWeft(() => c.inc(undefined, -1), "INVALID_ARGUMENT", "COUNTER_DECREASED");
  });

  it("runs collectors before each render", () => {
    const metrics = createMetrics();
    const g = metrics.gauge("demo_now", "A value read at scrape time.");
    let n = 0;
    metrics.onCollect(() => g.set(undefined, ++n));
    metrics.render();
    expect(parsePrometheus(metrics.render()).value("demo_now")).toBe(2);
  });
});
