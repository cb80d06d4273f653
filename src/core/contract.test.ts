import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, isServiceContract, method } from "./contract.js";
import { isInvalidArgument, type WeftError } from "./errors.js";
import type { Middleware } from "./handler.js";

function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    expect(isInvalidArgument(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error("expected a throw");
}

const get = method({ input: z.object({ id: z.string() }), output: z.string(), idempotent: true });
const put = method({ input: z.object({ id: z.string() }), output: z.void() });

describe("method", () => {
  it("keeps the schemas and defaults idempotent to false", () => {
    const m = method({ input: z.string(), output: z.number(), description: "counts" });
    expect(m.idempotent).toBe(false);
    expect(m.description).toBe("counts");
    expect(m.input["~standard"].vendor).toBe("zod");
    expect(get.idempotent).toBe(true);
  });

  it.each([
    ["a plain object", { type: "string" }],
    ["a function", () => true],
    ["undefined", undefined],
    ["a Standard Schema of another version", { "~standard": { version: 2, validate: () => ({}) } }],
  ])("refuses %s as a schema", (_, notSchema) => {
    const e = thrown(() => method({ input: notSchema as never, output: z.string() }));
    expect(e.reason).toBe("INVALID_SCHEMA");
    expect(e.issues[0]?.path).toEqual(["input"]);
    const out = thrown(() => method({ input: z.string(), output: notSchema as never }));
    expect(out.issues[0]?.path).toEqual(["output"]);
  });
});

describe("defineService", () => {
  it("makes a frozen contract value", () => {
    const c = defineService("catalog", { get });
    expect(c.kind).toBe("weft.service");
    expect(c.name).toBe("catalog");
    expect(c.methods.get).toBe(get);
    expect(Object.isFrozen(c)).toBe(true);
    expect(isServiceContract(c)).toBe(true);
    expect(isServiceContract({ name: "catalog" })).toBe(false);
    expect(isServiceContract(null)).toBe(false);
  });

  it.each(["", "1catalog", "cat alog", "cat.alog", "cat/alog", "-x", "_x", "ünïcode", "a*"])(
    "refuses the service name %j",
    (name) => {
      const e = thrown(() => defineService(name, { get }));
      expect(e.reason).toBe("INVALID_NAME");
      expect(e.message).toContain(JSON.stringify(name));
    },
  );

  it.each(["", "1get", "get it", "get.it", "get>"])("refuses the method name %j", (name) => {
    const e = thrown(() => defineService("catalog", { [name]: get }));
    expect(e.reason).toBe("INVALID_NAME");
    expect(e.issues[0]?.path).toEqual(["method"]);
  });

  it("accepts names of letters, digits, - and _ starting with a letter", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,20}$/), (name) => {
        expect(defineService(name, { [name]: get }).name).toBe(name);
      }),
    );
  });

  it("refuses a method that was not declared with method()", () => {
    const e = thrown(() => defineService("catalog", { get: z.string() as never }));
    expect(e.reason).toBe("INVALID_SCHEMA");
    expect(e.message).toContain("catalog.get");
  });
});

describe("implement", () => {
  const catalog = defineService("catalog", { get, put });
  const handlers = {
    async get() {
      return "p";
    },
    async put() {},
  };

  it("pairs the contract with its handlers and middleware", () => {
    const mw: Middleware = (next) => next;
    const impl = catalog.implement(handlers, { middleware: [mw] });
    expect(impl.kind).toBe("weft.implementation");
    expect(impl.contract).toBe(catalog);
    expect(impl.handlers).toBe(handlers);
    expect(impl.middleware).toEqual([mw]);
    expect(catalog.implement(handlers).middleware).toEqual([]);
  });

  it("refuses a missing method at runtime", () => {
    const e = thrown(() => catalog.implement({ get: handlers.get } as never));
    expect(e.reason).toBe("METHOD_NOT_IMPLEMENTED");
    expect(e.message).toBe("catalog.put has no handler");
  });

  it("refuses a method that is not a function", () => {
    const e = thrown(() => catalog.implement({ ...handlers, put: "later" } as never));
    expect(e.reason).toBe("METHOD_NOT_IMPLEMENTED");
  });

  it("refuses an extra method at runtime", () => {
    const e = thrown(() => catalog.implement({ ...handlers, remove: async () => {} } as never));
    expect(e.reason).toBe("UNKNOWN_METHOD");
    expect(e.message).toBe("catalog has no method remove in its contract");
  });

  it("refuses an extra method named like an Object.prototype member", () => {
    for (const name of ["toString", "constructor", "hasOwnProperty"]) {
      const e = thrown(() => catalog.implement({ ...handlers, [name]: async () => {} } as never));
      expect(e.reason).toBe("UNKNOWN_METHOD");
    }
  });

  it("refuses any extra method, whatever its name", () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        fc.pre(!Object.hasOwn(catalog.methods, name));
        const extra = { ...handlers, [name]: async () => {} };
        expect(() => catalog.implement(extra as never)).toThrow(
          `no method ${name} in its contract`,
        );
      }),
    );
  });
});
