/**
 * Type tests of contracts, clients and implementations. Every `@ts-expect-error` sits next to the
 * same call written correctly, which must compile: a test cannot pass on an unrelated error.
 */
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { App } from "./app.js";
import type { CallContext } from "./context.js";
import {
  type CallOptions,
  type Client,
  defineService,
  method,
  type ServiceImplementation,
} from "./contract.js";

const Product = z.object({ id: z.string(), name: z.string(), price: z.number() });
// Input and output types differ: `expand` is optional for callers, always set for the handler.
const Query = z.object({ id: z.string(), expand: z.boolean().default(false) });
// The handler returns an ISO string; the caller gets a Date.
const Stamp = z.object({ at: z.string().transform((s) => new Date(s)) });

const catalog = defineService("catalog", {
  get: method({ input: Query, output: Product, idempotent: true }),
  list: method({ input: z.object({ limit: z.number().int() }), output: z.array(Product) }),
  stamp: method({ input: z.object({}), output: Stamp }),
});

declare const app: App;
declare const ctx: CallContext;

type ProductT = z.infer<typeof Product>;

const get = async (_ctx: CallContext, input: z.infer<typeof Query>): Promise<ProductT> => ({
  id: input.id,
  name: input.expand ? "long name" : "name",
  price: 1,
});
const list = async () => [] as ProductT[];
const stamp = async () => ({ at: "2024-01-01T00:00:00.000Z" });

describe("contract values", () => {
  it("keep their literal name and method map", () => {
    expectTypeOf(catalog.name).toEqualTypeOf<"catalog">();
    expectTypeOf(catalog.methods).toHaveProperty("get");
    expectTypeOf(catalog.methods.get.input).toEqualTypeOf<typeof Query>();
  });
});

describe("clients", () => {
  it("take each method's schema input and resolve with its schema output", () => {
    const client = app.client(catalog);
    expectTypeOf(client.get).parameter(0).toEqualTypeOf<z.input<typeof Query>>();
    expectTypeOf(client.get).parameter(1).toEqualTypeOf<CallOptions | undefined>();
    expectTypeOf(client.get).returns.toEqualTypeOf<Promise<z.infer<typeof Product>>>();
    expectTypeOf(client.list).returns.resolves.toEqualTypeOf<z.infer<typeof Product>[]>();
    expectTypeOf(client.stamp).returns.resolves.toEqualTypeOf<{ at: Date }>();
    expectTypeOf(client).toEqualTypeOf<Client<typeof catalog>>();
  });

  it("have the same type from ctx.client and app.client", () => {
    expectTypeOf(ctx.client(catalog)).toEqualTypeOf(app.client(catalog));
    expectTypeOf(ctx.client(catalog)).toEqualTypeOf<Client<typeof catalog>>();
  });

  it("refuse a wrong input and an unknown method", () => {
    const client = ctx.client(catalog);
    void client.get({ id: "p1" });
    // @ts-expect-error id must be a string
    void client.get({ id: 1 });
    void client.get({ id: "p1", expand: true });
    // @ts-expect-error expand must be a boolean
    void client.get({ id: "p1", expand: "yes" });
    expectTypeOf(client).toHaveProperty("list");
    // @ts-expect-error the contract has no method remove
    void client.remove;
  });
});

describe("implement", () => {
  it("gives handlers the schema output of the input and expects the schema input of the output", () => {
    const impl = catalog.implement({
      async get(hctx, input) {
        expectTypeOf(hctx).toEqualTypeOf<CallContext>();
        expectTypeOf(input).toEqualTypeOf<{ id: string; expand: boolean }>();
        return { id: input.id, name: "n", price: 1 };
      },
      list,
      async stamp() {
        return { at: "2024-01-01T00:00:00.000Z" };
      },
    });
    expectTypeOf(impl).toEqualTypeOf<ServiceImplementation<typeof catalog>>();
  });

  it("refuses a handler with the wrong return type", () => {
    const priceAsNumber = async () => ({ id: "p1", name: "n", price: 1 });
    const priceAsString = async () => ({ id: "p1", name: "n", price: "1" });
    catalog.implement({ get: priceAsNumber, list, stamp });
    // @ts-expect-error price must be a number
    catalog.implement({ get: priceAsString, list, stamp });

    const atAsString = async () => ({ at: "2024-01-01T00:00:00.000Z" });
    const atAsDate = async () => ({ at: new Date() });
    catalog.implement({ get, list, stamp: atAsString });
    // @ts-expect-error the handler returns the schema's input (an ISO string), not a Date
    catalog.implement({ get, list, stamp: atAsDate });
  });

  it("refuses a missing method", () => {
    catalog.implement({ get, list, stamp });
    // @ts-expect-error stamp is not implemented
    catalog.implement({ get, list });
  });

  it("refuses an extra method", () => {
    const remove = async () => undefined;
    catalog.implement({ get, list, stamp });
    // @ts-expect-error remove is not a method of the contract
    catalog.implement({ get, list, stamp, remove });
  });

  it("refuses a handler that uses its input as the wrong type", () => {
    const idAsString = async (_c: CallContext, input: { id: string }) => ({
      id: input.id,
      name: "n",
      price: 1,
    });
    const idAsNumber = async (_c: CallContext, input: { id: number }) => ({
      id: String(input.id),
      name: "n",
      price: input.id,
    });
    catalog.implement({ get: idAsString, list, stamp });
    // @ts-expect-error the input's id is a string, not a number
    catalog.implement({ get: idAsNumber, list, stamp });
  });
});
