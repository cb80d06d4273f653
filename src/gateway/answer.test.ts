/**
 * A method whose output cannot be written as JSON (a BigInt, a cycle) is the server's failure: the
 * client gets a 500 problem document that names nothing internal, and the gateway keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, defineService, method } from "../core/index.js";
import { createApp } from "../create-app.js";
import { uniqueName } from "../testing/unique-name.js";
import { defineGateway, GATEWAY } from "./define.js";
import { call } from "./fixtures/harness.js";
import { route } from "./route.js";

const odd = defineService("odd", {
  get: method({
    input: z.object({ kind: z.string() }),
    output: z.unknown(),
    idempotent: true,
  }),
});

const oddImpl = odd.implement({
  async get(_ctx, { kind }) {
    if (kind === "bigint") return { total: 10n };
    if (kind === "cycle") {
      const node: Record<string, unknown> = { name: "loop" };
      node.self = node;
      return node;
    }
    return { kind };
  },
});

describe("gateway: outputs that are not JSON", () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    const api = defineGateway("api", { routes: [route("GET /odd/:kind", odd, "get")] });
    app = createApp(defineApp({ name: uniqueName("gwodd"), services: [oddImpl, api] }), {
      env: {},
      config: { logLevel: "silent", httpHost: "127.0.0.1", httpPort: 0 },
    });
    await app.start();
    url = app.use(GATEWAY).url;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("answers 500 with a problem document for a BigInt or a cycle, and keeps serving", async () => {
    for (const kind of ["bigint", "cycle"]) {
      const r = await call(url, `/odd/${kind}`);
      expect(r.status).toBe(500);
      expect(r.headers.get("content-type")).toBe("application/problem+json");
      expect(r.headers.get("x-trace-id")).toMatch(/^[0-9a-f]{32}$/);
      expect(r.body).toMatchObject({ status: 500, code: "INTERNAL", reason: "INTERNAL" });
      // Nothing of the serialization error (its message names the type or the cycle).
      expect(r.body?.detail).toBe("the server failed to handle the request");
      expect(r.text).not.toMatch(/serialize|circular|self/i);
    }
    const fine = await call(url, "/odd/plain");
    expect(fine.status).toBe(200);
    expect(fine.body).toEqual({ kind: "plain" });
  });
});
