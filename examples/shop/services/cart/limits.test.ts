/**
 * The cart's bounds on each of its repos — in memory, and on SQLite and PostgreSQL (the edge tests
 * check them over HTTP too): a line holds at most MAX_LINE_QUANTITY, a cart at most MAX_CART_LINES products,
 * and an add past either is refused, changing nothing.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "weft/store/postgres";
import { createSqliteStore } from "weft/store/sqlite";
import { uniqueName, unreachable } from "weft/testing";
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from "../../shared/order.js";
import { applySchemas } from "../../shared/service-schema.js";
import { dropSchemas, TEST_DATABASE_URL } from "../../test-support.js";
import { createMemoryCartRepo } from "./memory-repo.js";
import { cartSchema } from "./schema.js";
import { createSqlCartRepo } from "./sql-repo.js";

describe("cart bounds", () => {
  it("refuses an add that takes a line past its bound, keeping the line", async () => {
    const repo = createMemoryCartRepo();
    await repo.add("u", { productId: "p", quantity: MAX_LINE_QUANTITY });
    await expect(repo.add("u", { productId: "p", quantity: 1 })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "CART_LINE_LIMIT",
      metadata: { field: "quantity" },
    });
    expect(await repo.items("u")).toEqual([{ productId: "p", quantity: MAX_LINE_QUANTITY }]);
  });

  it("refuses a new product in a full cart, but still merges into its lines", async () => {
    const repo = createMemoryCartRepo();
    for (let i = 0; i < MAX_CART_LINES; i++)
      await repo.add("u", { productId: `p${i}`, quantity: 1 });
    await expect(repo.add("u", { productId: "extra", quantity: 1 })).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "CART_FULL",
      metadata: { field: "productId" },
    });
    await repo.add("u", { productId: "p0", quantity: 1 });
    const items = await repo.items("u");
    expect(items).toHaveLength(MAX_CART_LINES);
    expect(items[0]).toEqual({ productId: "p0", quantity: 2 });
  });
});

const STORES = [
  {
    name: "sqlite",
    skip: false,
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), "weft-cart-"));
      const store = await createSqliteStore({ path: join(dir, "cart.sqlite") });
      return {
        store,
        close: async () => {
          await store.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "postgres",
    skip: await unreachable("postgres"),
    open: async () => {
      const schema = uniqueName("cart_limits");
      const store = await createPostgresStore({ url: TEST_DATABASE_URL, schema, poolSize: 2 });
      return {
        store,
        close: async () => {
          await store.close();
          await dropSchemas(TEST_DATABASE_URL, [schema]);
        },
      };
    },
  },
] as const;

for (const s of STORES) {
  describe.skipIf(s.skip)(`cart bounds on the ${s.name} store`, () => {
    let opened: Awaited<ReturnType<(typeof s)["open"]>>;
    beforeAll(async () => {
      opened = await s.open();
      await applySchemas(opened.store, [cartSchema]);
    });
    afterAll(async () => {
      await opened?.close();
    });
    const add = (userId: string, productId: string, quantity: number) =>
      opened.store.transaction((tx) => createSqlCartRepo(tx).add(userId, { productId, quantity }));

    it("refuses a merge past the line's bound and a product past the cart's, writing nothing", async () => {
      await add("u", "p0", MAX_LINE_QUANTITY - 1);
      await expect(add("u", "p0", 2)).rejects.toMatchObject({ reason: "CART_LINE_LIMIT" });
      for (let i = 1; i < MAX_CART_LINES; i++) await add("u", `p${i}`, 1);
      await expect(add("u", "extra", 1)).rejects.toMatchObject({ reason: "CART_FULL" });
      const items = await add("u", "p0", 1);
      expect(items).toHaveLength(MAX_CART_LINES);
      expect(items[0]).toEqual({ productId: "p0", quantity: MAX_LINE_QUANTITY });
    });
  });
}
