import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "./config.js";
import { DEFAULT_GROUP, resolvePlacement } from "./placement.js";

const SERVICES = ["gateway", "cart", "checkout", "payment"];
const GROUPS = { edge: ["gateway"], orders: ["cart", "checkout", "payment"] };

function placementError(...args: Parameters<typeof resolvePlacement>): ConfigError {
  try {
    resolvePlacement(...args);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected resolvePlacement to throw");
}

describe("resolvePlacement", () => {
  it("puts every service in the default group when no groups are declared", () => {
    const p = resolvePlacement(SERVICES, undefined, []);
    expect(p.running).toEqual([DEFAULT_GROUP]);
    expect([...p.local].sort()).toEqual([...SERVICES].sort());
    for (const s of SERVICES) expect(p.groupOf.get(s)).toBe(DEFAULT_GROUP);
  });

  it("runs every group when none is named", () => {
    const p = resolvePlacement(SERVICES, GROUPS, []);
    expect(p.running).toEqual(["edge", "orders"]);
    expect(p.local.size).toBe(SERVICES.length);
  });

  it("runs only the named groups locally", () => {
    const p = resolvePlacement(SERVICES, GROUPS, ["edge", "edge"]);
    expect(p.running).toEqual(["edge"]);
    expect([...p.local]).toEqual(["gateway"]);
    expect(p.groupOf.get("payment")).toBe("orders");
  });

  it("refuses a service in two groups, naming both", () => {
    const e = placementError(SERVICES, { ...GROUPS, billing: ["payment"] }, []);
    expect(e.issues).toEqual([
      {
        path: ["groups", "billing"],
        message: '"payment" is already in group "orders"; a service belongs to one group',
      },
    ]);
    expect(e.message).toContain('"payment" is already in group "orders"');
  });

  it("refuses a group member that is not a service of the app", () => {
    const e = placementError(SERVICES, { ...GROUPS, edge: ["gateway", "gatewya"] }, []);
    expect(e.issues).toEqual([
      { path: ["groups", "edge"], message: '"gatewya" is not a service of this app' },
    ]);
  });

  it("refuses a service that is in no group", () => {
    const e = placementError(SERVICES, { edge: ["gateway"], orders: ["cart", "checkout"] }, []);
    expect(e.issues).toEqual([{ path: ["groups"], message: 'service "payment" is in no group' }]);
  });

  it("refuses to run a group that does not exist, listing the groups", () => {
    const e = placementError(SERVICES, GROUPS, ["order"]);
    expect(e.issues).toEqual([
      { path: ["group"], message: 'no group "order" (groups: edge, orders)' },
    ]);
  });

  it("refuses bad group names", () => {
    const e = placementError(["a"], { "1st": ["a"] }, []);
    expect(e.issues[0]?.path).toEqual(["groups", "1st"]);
  });

  it("reports every problem at once", () => {
    const e = placementError(
      SERVICES,
      { edge: ["gateway", "ghost"], orders: ["cart", "gateway"] },
      ["nope"],
    );
    expect(e.issues.map((i) => i.message)).toEqual([
      '"ghost" is not a service of this app',
      '"gateway" is already in group "edge"; a service belongs to one group',
      'service "checkout" is in no group',
      'service "payment" is in no group',
      'no group "nope" (groups: edge, orders)',
    ]);
  });

  it("refuses any group to run that is not declared, whatever its name", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        fc.pre(!Object.hasOwn(GROUPS, name));
        expect(() => resolvePlacement(SERVICES, GROUPS, [name])).toThrow(ConfigError);
      }),
    );
  });

  it("refuses a group to run named like an Object.prototype member", () => {
    for (const name of ["constructor", "toString", "__proto__", "hasOwnProperty"]) {
      expect(() => resolvePlacement(SERVICES, GROUPS, [name])).toThrow(`no group "${name}"`);
    }
  });
});
