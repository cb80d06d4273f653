/**
 * Definition-time checks: a bad route string, an unknown method, bad options, an input a route
 * cannot feed, and duplicate routes are refused when the gateway is defined, naming the field;
 * start-time checks name what the app lacks.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  defineApp,
  defineService,
  isWeftError,
  method,
  type StandardSchemaV1,
  type WeftError,
} from "../core/index.js";
import { createApp } from "../create-app.js";
import { expectWeftError } from "../testing/expect-weft-error.js";
import { defineGateway } from "./define.js";
import { createItems, items } from "./fixtures/items.js";
import { route } from "./route.js";

function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    if (isWeftError(e)) return e;
    throw e;
  }
  throw new Error("expected a Weft error");
}

/** A Standard Schema that offers no JSON Schema (as a hand-written or older library's would). */
const opaque: StandardSchemaV1<{ id: string }> = {
  "~standard": {
    version: 1,
    vendor: "hand-made",
    validate: (value) => ({ value: value as { id: string } }),
  },
};
const plain = defineService("plain", {
  get: method({ input: opaque, output: z.object({}) }),
  scalar: method({ input: z.string(), output: z.string() }),
});

describe("route(...)", () => {
  it.each([
    ["GET/items", "route", 'must be "METHOD /path"'],
    ["FETCH /items", "route", "method FETCH must be one of"],
    ["GET items", "route", "must start with /"],
    ["GET /items/*", "route", "path segment"],
    ["GET /a//b", "route", "path segment"],
    ["GET /items/:id/:id", "route", "appears twice"],
  ])("refuses %s naming the %s", (text, field, message) => {
    const e = thrown(() => route(text, items, "get"));
    expect(e).toMatchObject({ code: "INVALID_ARGUMENT", reason: "ROUTE_INVALID" });
    expect(e.issues[0]?.path).toEqual([field]);
    expect(e.message).toContain(message);
  });

  it("refuses a method the contract does not have, listing the ones it has", () => {
    const e = thrown(() => route("GET /x", items, "gett" as never));
    expect(e.issues).toEqual([
      { path: ["method"], message: expect.stringContaining("it has: get, list") },
    ]);
  });

  it("refuses bad options, naming each", () => {
    const e = thrown(() =>
      route("POST /items", items, "create", {
        status: 404,
        auth: "maybe" as never,
        scopes: [""],
        rateLimit: { limit: 0, window: "soon" },
        colour: "red",
      } as never),
    );
    expect(e.issues.map((i) => i.path.join("."))).toEqual(
      expect.arrayContaining([
        "options.colour",
        "options.auth",
        "options.scopes",
        "options.rateLimit.limit",
        "options.rateLimit.window",
        "options.status",
      ]),
    );
  });

  it("refuses an Idempotency-Key option on a method declared idempotent", () => {
    const e = thrown(() => route("PUT /items/:id", items, "remove", { idempotency: "required" }));
    expect(e.message).toContain("needs no Idempotency-Key");
  });

  it("refuses a path parameter the input has no field for", () => {
    const e = thrown(() => route("GET /items/:sku", items, "get"));
    expect(e.message).toContain("path parameter :sku is not a field");
  });

  it("refuses a route that needs coercion when the schema offers no JSON Schema, unless told not to", () => {
    const e = thrown(() => route("GET /plain/:id", plain, "get"));
    expect(e.message).toContain("offers no JSON Schema");
    expect(e.message).toContain("coerce: false");
    expect(route("GET /plain/:id", plain, "get", { coerce: false }).key).toBe("GET /plain/:id");
    expect(route("POST /plain", plain, "get").inputSchema).toBeUndefined();
  });

  it("refuses a method whose input is not an object", () => {
    expect(thrown(() => route("POST /scalar", plain, "scalar")).message).toContain(
      "must be an object schema",
    );
  });
});

describe("defineGateway(...)", () => {
  it("refuses two routes for the same method and path shape, and one on the OpenAPI path", () => {
    const e = thrown(() =>
      defineGateway("api", {
        routes: [
          route("GET /items/:id", items, "get"),
          route("GET /items/:limit", items, "list"),
          route("GET /openapi.json", items, "list"),
        ],
      }),
    );
    expect(e).toMatchObject({ code: "INVALID_ARGUMENT", reason: "GATEWAY_INVALID" });
    expect(e.issues.map((i) => i.path.join("."))).toEqual(["routes.1", "routes.2"]);
    expect(e.message).toContain("same route as GET /items/:id");
    expect(e.message).toContain("the OpenAPI document");
  });

  it("refuses unknown and bad options, naming each", () => {
    const e = thrown(() =>
      defineGateway("api", {
        routes: [{} as never],
        bodyLimit: "lots",
        port: 70_000,
        timeouts: { headers: "never" } as never,
        cors: { origins: "*", credentials: true },
        auth: {
          apiKeys: [{ id: "k", sha256: "not-hex" }],
          jwt: { secret: "short", algorithms: ["none"] },
        },
        metadataHeaders: ["Authorization"],
        extra: true,
      } as never),
    );
    expect(e.issues.map((i) => i.path.join("."))).toEqual(
      expect.arrayContaining([
        "extra",
        "routes.0",
        "bodyLimit",
        "port",
        "timeouts.headers",
        "cors.credentials",
        "auth.apiKeys.0.sha256",
        "auth.jwt.secret",
        "auth.jwt.algorithms",
        "metadataHeaders",
      ]),
    );
  });

  it("refuses a bad service name as any service", () => {
    expect(() => defineGateway("1api", { routes: [] })).toThrow(/must start with a letter/);
  });
});

describe("gateway at start", () => {
  it("refuses a route to a service the app does not have", async () => {
    const other = defineService("other", {
      ping: method({ input: z.object({}), output: z.object({}) }),
    });
    const api = defineGateway("api", { routes: [route("POST /ping", other, "ping")] });
    const app = createApp(defineApp({ name: "lonely", services: [createItems().impl, api] }), {
      env: {},
      config: { httpHost: "127.0.0.1", httpPort: 0, logLevel: "silent" },
    });
    await expectWeftError(app.start(), "FAILED_PRECONDITION", "GATEWAY_UNKNOWN_SERVICE");
  });

  it("refuses to serve two running apps with one gateway value", async () => {
    const shared = defineGateway("api", { routes: [route("GET /items/:id", items, "get")] });
    let n = 0;
    const make = () =>
      createApp(defineApp({ name: `twice${++n}`, services: [createItems().impl, shared] }), {
        env: {},
        config: { httpHost: "127.0.0.1", httpPort: 0, logLevel: "silent" },
      });
    const first = make();
    await first.start();
    try {
      await expectWeftError(make().start(), "FAILED_PRECONDITION", "GATEWAY_IN_USE");
    } finally {
      await first.stop();
    }
    // Once the first app stopped, the gateway may serve another.
    const third = make();
    await third.start();
    await third.stop();
  });
});
