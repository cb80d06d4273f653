/**
 * The OpenAPI document: valid OpenAPI 3.1 (checked with @seriousme/openapi-schema-validator), its
 * paths and methods exactly the route table, with parameters, bodies, security and problem
 * answers derived from the routes and the contracts' JSON Schemas.
 */
import { createHash } from "node:crypto";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineService, method } from "../core/index.js";
import { defineGateway, isGateway } from "./define.js";
import { itemRoutes } from "./fixtures/harness.js";
import { createItems, items } from "./fixtures/items.js";
import { openApiDocument } from "./openapi.js";
import { route } from "./route.js";

type Spec = Parameters<Validator["validate"]>[0];

type Doc = {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components: { schemas: Record<string, unknown> };
};

/** `METHOD /path` of every operation in a document, in find-my-way syntax. */
function operations(doc: Doc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ":$1")}`),
    )
    .sort();
}

async function validate(doc: unknown): Promise<void> {
  const validator = new Validator();
  const result = await validator.validate(doc as Spec);
  expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)).toEqual([]);
  expect(result.valid).toBe(true);
  expect(validator.version).toBe("3.1");
}

/** A recursive schema that zod exports with `$defs`. */
const Node: z.ZodType<{ name: string; children: unknown[] }> = z.object({
  name: z.string(),
  get children() {
    return z.array(Node);
  },
});
const trees = defineService("trees", {
  plant: method({ input: z.object({ garden: z.string(), tree: Node }), output: Node }),
});

describe("OpenAPI document", () => {
  const api = defineGateway("api", {
    auth: { apiKeys: [{ id: "k", sha256: createHash("sha256").update("k").digest("hex") }] },
    rateLimit: { limit: 10, window: "1m" },
    routes: [
      ...itemRoutes().map((r) =>
        route(r.key, r.contract, r.operation as never, { ...r.options, auth: "optional" }),
      ),
      route("POST /hold", items, "hold", { idempotency: "required", scopes: ["hold"] }),
      route("POST /gardens/:garden/trees", trees, "plant", { auth: "none", rateLimit: false }),
    ],
  });
  const doc = openApiDocument(api, { title: "Items", version: "1.2.3" }) as unknown as Doc;

  it("is valid OpenAPI 3.1", async () => {
    await validate(doc);
    await validate(openApiDocument(itemRoutes()));
  });

  it("is made from the gateway found among an app's services", () => {
    const services = [createItems().impl, api];
    const found = services.filter(isGateway);
    expect(found).toEqual([api]);
    expect(openApiDocument(found[0] as typeof api)).toEqual(openApiDocument(api));
  });

  it("has exactly the route table as its paths", () => {
    expect(operations(doc)).toEqual(api.gateway.routes.map((r) => r.key).sort());
  });

  it("describes parameters, bodies, answers and security from the routes", () => {
    const get = doc.paths["/items/{id}"]?.get as Record<string, unknown>;
    expect(get.parameters).toEqual([
      { name: "id", in: "path", required: true, schema: { type: "string", minLength: 1 } },
      { name: "verbose", in: "query", required: false, schema: { type: "boolean" } },
    ]);
    expect(Object.keys(get.responses as object)).toEqual(
      expect.arrayContaining(["200", "400", "401", "403", "404", "429", "500", "503"]),
    );
    expect(get.security).toEqual([{ bearerAuth: [] }, { apiKey: [] }, {}]);
    const put = doc.paths["/items/{id}"]?.put;
    const body = ["requestBody", "content", "application/json", "schema"];
    expect(put).toHaveProperty([...body, "required"], ["name", "qty"]);
    expect(put).toHaveProperty([...body, "properties", "name"]);
    expect(put).not.toHaveProperty([...body, "properties", "id"]);
    const hold = doc.paths["/hold"]?.post;
    expect(hold?.parameters).toContainEqual(
      expect.objectContaining({ name: "Idempotency-Key", in: "header", required: true }),
    );
    expect(hold?.security).toEqual([{ bearerAuth: ["hold"] }, { apiKey: [] }]);
    expect(hold).toHaveProperty(["responses", "422"]);
    expect(doc.paths["/items/{id}"]?.delete).toHaveProperty(["responses", "204"], {
      description: "Success",
    });
    const plant = doc.paths["/gardens/{garden}/trees"]?.post;
    expect(plant?.security).toEqual([]);
    expect(plant).not.toHaveProperty(["responses", "429"]);
  });

  it("moves nested schema definitions into components, with references that resolve", async () => {
    const plant = doc.paths["/gardens/{garden}/trees"]?.post;
    const text = JSON.stringify(plant);
    expect(text).not.toContain("#/$defs/");
    const refs = [...text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(doc.components.schemas).toHaveProperty([ref as string]);
    const validator = new Validator();
    await validator.validate(doc as Spec);
    expect(() => validator.resolveRefs()).not.toThrow();
  });
});
