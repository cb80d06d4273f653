/**
 * `weft placement suggest` in a child process: from a traffic file; from an admin server's
 * `/api/topology` (an HTTP server answering as a running app's would), with its token; and from
 * the real example shop running in this process with its admin server, after carts were filled and
 * orders placed through its HTTP gateway.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traffic as placeOrders, type RunningShop, startShop } from "../dashboard/fixtures/shop.js";
import { parseTraffic } from "./placement-input.js";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

function weft(args: string[], extra: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, "placement", "suggest", ...args], {
      env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...extra },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const traffic = {
  groups: { front: ["gateway", "cart"], back: ["catalog", "payment"] },
  traffic: [
    { from: "gateway", to: "catalog", calls: 300 },
    { from: "cart", to: "catalog", calls: 420 },
    { from: "gateway", to: "payment", calls: 10, latencyMs: 3 },
    { from: "cart", to: "payment", calls: 5 },
  ],
};

let dir: string;
let file: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-cli-placement-"));
  file = join(dir, "traffic.json");
  await writeFile(file, JSON.stringify(traffic));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("weft placement suggest --from", { timeout: 120_000 }, () => {
  it("prints the grouping, why, and the config to use", async () => {
    const r = await weft(["--k", "2", "--from", file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Suggested placement: 2 process(es), 15 calls/s between them");
    expect(r.stdout).toMatch(/front\s+cart, catalog, gateway/);
    expect(r.stdout).toMatch(/back\s+payment/);
    expect(r.stdout).toContain(
      "cart and catalog exchange 420 calls/s; keeping them in one process saves those 420 calls/s from the network.",
    );
    expect(r.stdout).toContain(
      "Today 735 calls/s cross processes: this grouping saves 720 calls/s",
    );
    expect(r.stdout).toContain('front: ["cart", "catalog", "gateway"],');
    expect(r.stdout).toContain("WEFT_GROUP=back weft start");
  });

  it("prints one JSON document with --json, and applies rules given as options", async () => {
    const r = await weft(["--k", "2", "--from", file, "--apart", "cart,catalog", "--json"]);
    expect(r.code).toBe(0);
    const advice = JSON.parse(r.stdout) as {
      groups: Record<string, string[]>;
      cost: number;
      config: { groups: Record<string, string[]> };
      processes: { group: string; env: { WEFT_GROUP: string } }[];
    };
    const together = Object.values(advice.groups).find((g) => g.includes("cart"));
    expect(together).not.toContain("catalog");
    // cart alone: cart–catalog (420) and cart–payment (5) cross.
    expect(advice.cost).toBe(425);
    expect(advice.config.groups).toEqual(advice.groups);
    expect(advice.processes.map((p) => p.env.WEFT_GROUP).sort()).toEqual(
      Object.keys(advice.groups).sort(),
    );
  });

  it("exits 2 saying what is missing: a source, k, a readable file", async () => {
    const none = await weft(["--k", "2"]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain("give one traffic source: --from traffic.json");
    const noK = await weft(["--from", file]);
    expect(noK.code).toBe(2);
    expect(noK.stderr).toContain("--k 2");
    const missing = await weft(["--k", "2", "--from", join(dir, "nope.json")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
  });

  it("exits 1 when no grouping can keep the rules", async () => {
    const r = await weft(["--k", "2", "--from", file, "--apart", "cart,catalog,gateway"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("loosen a rule or raise k");
  });
});

describe("weft placement suggest --admin", { timeout: 120_000 }, () => {
  const token = "a-long-enough-admin-token";
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // Counts over the last 100 seconds, as an app's admin server reports them.
    const since = Date.now() - 100_000;
    server = createServer((req, res) => {
      if (req.url !== "/api/topology") return void res.writeHead(404).end();
      if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          since,
          services: [
            { name: "gateway", group: "edge" },
            { name: "catalog", group: "edge" },
            { name: "cart", group: "orders" },
          ],
          edges: [
            {
              from: "gateway",
              to: "catalog",
              calls: 30_000,
              errors: 0,
              bytes: 1e6,
              totalMs: 15_000,
              since,
            },
            {
              from: "cart",
              to: "catalog",
              calls: 42_000,
              errors: 3,
              bytes: 2e6,
              totalMs: 8_400,
              since,
            },
            {
              from: "gateway",
              to: "cart",
              calls: 1_000,
              errors: 0,
              bytes: 1e5,
              totalMs: 900,
              since,
            },
          ],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    url = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("turns counts since start into rates and compares with the app's groups", async () => {
    const r = await weft(["--k", "2", "--admin", url, "--json"], { WEFT_ADMIN_TOKEN: token });
    expect(r.code).toBe(0);
    const advice = JSON.parse(r.stdout) as {
      before: number;
      cost: number;
      windowSeconds: number;
      groups: Record<string, string[]>;
    };
    expect(advice.windowSeconds).toBeGreaterThanOrEqual(100);
    // Counts over ~100 s. Today cart (orders) ↔ catalog and gateway ↔ cart cross: ~430 calls/s.
    // Best: gateway alone, cutting gateway → catalog and gateway → cart: ~310 calls/s.
    expect(advice.before).toBeGreaterThan(400);
    expect(advice.before).toBeLessThanOrEqual(430);
    expect(advice.cost).toBeGreaterThan(280);
    expect(advice.cost).toBeLessThanOrEqual(310);
    expect(Object.values(advice.groups).find((g) => g.includes("cart"))).toContain("catalog");
  });

  it("says to pass the token when the admin server refuses, and what to check when it is down", async () => {
    const refused = await weft(["--k", "2", "--admin", url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("pass the app's WEFT_ADMIN_TOKEN with --token");
    const down = await weft(["--k", "2", "--admin", "http://127.0.0.1:1"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain("is the app running");
  });
});

describe("weft placement suggest --admin against the running shop", { timeout: 120_000 }, () => {
  let shop: RunningShop;
  /** The shop's services and groups, from its definition. */
  let services: string[];
  let groups: string[];
  /** Services no other service called (they only consume events), from the recorded topology. */
  let idle: string[];
  beforeAll(async () => {
    shop = await startShop();
    services = Object.values(shop.app.describe().groups).flat().sort();
    groups = Object.keys(shop.app.describe().groups);
    await placeOrders(shop);
    const topology = (await (await fetch(`${shop.admin}/api/topology`)).json()) as {
      edges: { from: string; to: string }[];
    };
    idle = services.filter((s) => !topology.edges.some((e) => e.from === s || e.to === s));
  }, 60_000);
  afterAll(() => shop?.stop());

  interface Advice {
    groups: Record<string, string[]>;
    cost: number;
    before: number;
    total: number;
    windowSeconds: number;
    kept: { a: string; b: string; weight: number }[];
    explanation: string[];
    config: { groups: Record<string, string[]>; snippet: string; processes: { group: string }[] };
  }

  it("groups the shop's real services into k processes, sending no more than today's groups", async () => {
    for (const k of [2, 3]) {
      const r = await weft(["--admin", shop.admin, "--k", String(k), "--json"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const advice = JSON.parse(r.stdout) as Advice;
      // A valid grouping: k groups, every service of the shop in exactly one.
      expect(Object.keys(advice.groups)).toHaveLength(k);
      expect(Object.values(advice.groups).flat().sort()).toEqual(services);
      // Measured: orders went through gateway → checkout → cart, catalog, currency, payment…
      expect(advice.windowSeconds).toBeGreaterThan(0);
      expect(advice.total).toBeGreaterThan(0);
      // Today's three groups, one process each, against the best k groups (k ≤ 3: never worse).
      expect(advice.before).toBeGreaterThan(0);
      expect(advice.cost).toBeLessThanOrEqual(advice.before);
      expect(advice.config.groups).toEqual(advice.groups);
      expect(advice.config.processes.map((p) => p.group)).toEqual(Object.keys(advice.groups));
      // In plain words, naming the shop's services: the busiest pair kept in one process.
      const busiest = advice.kept[0];
      expect(busiest).toBeDefined();
      expect(services).toEqual(expect.arrayContaining([busiest?.a, busiest?.b]));
      expect(advice.explanation).toContain(
        `Today all ${services.length} services run in one process, so nothing crosses processes yet.`,
      );
      expect(advice.explanation.join("\n")).toContain(`${busiest?.a} and ${busiest?.b} exchange`);
    }
  });

  it("prints the shop's suggestion with its rules kept, why, and the config", async () => {
    const r = await weft([
      "--admin",
      shop.admin,
      "--k",
      "3",
      "--together",
      "checkout,cart",
      "--apart",
      "payment,gateway",
    ]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Suggested placement: 3 process\(es\), [\d.]+ calls\/s between them/);
    // The table: one row per process, "group   service, service, …".
    const table = r.stdout.slice(r.stdout.indexOf("GROUP"), r.stdout.indexOf("Why"));
    const groupOf = new Map<string, string>();
    const rows = table.trim().split("\n").slice(1);
    for (const row of rows) {
      const [, group, list] = /^\s*(\S+)\s+(.+)$/.exec(row) ?? [];
      for (const service of list?.split(", ") ?? []) groupOf.set(service, group as string);
    }
    expect(rows).toHaveLength(3);
    expect([...groupOf.keys()].sort()).toEqual(services);
    // checkout and cart share a process; payment and gateway do not.
    expect(groupOf.get("checkout")).toBe(groupOf.get("cart"));
    expect(groupOf.get("payment")).not.toBe(groupOf.get("gateway"));
    expect(r.stdout).toContain(
      `Today all ${services.length} services run in one process, so nothing crosses processes yet.`,
    );
    expect(r.stdout).toContain(
      `Split as today's ${groups.length} groups (${groups.join(", ")}), one process each, they would send `,
    );
    // The shop's event consumers (email, loyalty) take no calls: said so, not left to guess.
    expect(idle.length).toBeGreaterThan(0);
    expect(r.stdout).toContain(`${idle.join(" and ")} had no calls with other services`);
    for (const group of new Set(groupOf.values()))
      expect(r.stdout).toContain(`WEFT_GROUP=${group} weft start`);
  });
});

describe("parseTraffic", () => {
  it("reads topology snapshots tolerantly: aliases, ISO since, latency from totalMs", () => {
    const now = Date.parse("2026-01-01T00:01:40Z");
    const parsed = parseTraffic(
      {
        since: "2026-01-01T00:00:00Z",
        services: ["a", "b"],
        edges: [{ source: "a", target: "b", count: 500, totalMs: 1000 }],
      },
      "test",
      now,
    );
    expect(parsed.windowSeconds).toBe(100);
    expect(parsed.traffic).toEqual([{ from: "a", to: "b", calls: 5, latencyMs: 2 }]);
    expect(parsed.services).toEqual(["a", "b"]);
  });

  it("refuses a snapshot without a window, naming the doc to read", () => {
    expect(() => parseTraffic({ edges: [] }, "x.json")).toThrow(/needs "since".*docs\/cli.md/);
  });
});
