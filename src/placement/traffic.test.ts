/**
 * Reading traffic for the advisor from a topology snapshot of a running app (the shape of the
 * admin server's `/api/topology`), turning it into the advisor's input with given rules, and the
 * config of a grouping.
 */
import { describe, expect, it } from "vitest";
import { placementConfig } from "./config.js";
import { placementInput, serviceList } from "./request.js";
import { parseTraffic } from "./traffic.js";

/** 100 seconds of a split app, seen by the process running gateway and cart. */
const snapshot = {
  since: 1_000_000,
  now: 1_100_000,
  groups: { edge: ["gateway", "cart"], catalog: ["catalog"] },
  services: [
    { name: "gateway", group: "edge", local: true },
    { name: "cart", group: "edge", local: true },
    { name: "catalog", group: "catalog", local: false },
  ],
  edges: [
    // In process: no bytes on the wire.
    { from: "gateway", to: "cart", calls: 500, errors: 0, remote: 0, bytes: 0, totalMs: 250 },
    // Half of these crossed (the rest were refused before sending): 200 B per remote call.
    {
      from: "cart",
      to: "catalog",
      calls: 400,
      errors: 0,
      remote: 200,
      bytes: 40_000,
      totalMs: 800,
    },
  ],
};

describe("parseTraffic on a topology snapshot", () => {
  it("gives rates, the calls and bytes measured across processes, and whether it is one process", () => {
    const source = parseTraffic(snapshot, "snapshot");
    expect(source.windowSeconds).toBe(100);
    expect(source.oneProcess).toBe(false);
    expect(source.measured).toEqual({ calls: 2, bytes: 400 });
    expect(source.groups).toEqual(snapshot.groups);
    // Bytes are known only where calls crossed: estimated for all of that edge's calls.
    expect(source.traffic).toEqual([
      { from: "gateway", to: "cart", calls: 5, latencyMs: 0.5 },
      { from: "cart", to: "catalog", calls: 4, bytes: 800, latencyMs: 2 },
    ]);
  });

  it("knows an app in one process", () => {
    const one = parseTraffic(
      { ...snapshot, services: snapshot.services.map((s) => ({ ...s, local: true })) },
      "snapshot",
    );
    expect(one.oneProcess).toBe(true);
    expect(parseTraffic({ ...snapshot, services: ["a"] }, "snapshot").oneProcess).toBeUndefined();
  });
});

describe("placementInput", () => {
  it("adds the given rules to the source's, and brings today's groups and placement", () => {
    const source = {
      ...parseTraffic(snapshot, "snapshot"),
      constraints: { together: [["gateway", "cart"]], maxServices: 3 },
    };
    const input = placementInput(source, {
      k: 2,
      together: [serviceList(" cart, catalog ,")],
      apart: [["gateway", "catalog"]],
      maxServices: 2,
    });
    expect(input.k).toBe(2);
    expect(input.constraints).toEqual({
      together: [
        ["gateway", "cart"],
        ["cart", "catalog"],
      ],
      apart: [["gateway", "catalog"]],
      fixed: {},
      maxServices: 2,
    });
    expect(input.current).toEqual(snapshot.groups);
    expect(input.oneProcessNow).toBe(false);
    expect(input.services).toEqual(["gateway", "cart", "catalog"]);
  });
});

describe("placementConfig", () => {
  it("gives the groups for defineApp and one WEFT_GROUP per process", () => {
    const config = placementConfig({ edge: ["cart", "gateway"], "order-db": ["catalog"] });
    expect(config.snippet).toBe(
      [
        "  groups: {",
        '    edge: ["cart", "gateway"],',
        '    "order-db": ["catalog"],',
        "  },",
      ].join("\n"),
    );
    expect(config.processes).toEqual([
      { group: "edge", env: { WEFT_GROUP: "edge" }, command: "WEFT_GROUP=edge weft start" },
      {
        group: "order-db",
        env: { WEFT_GROUP: "order-db" },
        command: "WEFT_GROUP=order-db weft start",
      },
    ]);
  });
});
