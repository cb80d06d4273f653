/**
 * The cart's bounds on its in-memory repo (the edge tests check them over HTTP on SQLite and
 * PostgreSQL): a line holds at most MAX_LINE_QUANTITY, a cart at most MAX_CART_LINES products,
 * and an add past either is refused, changing nothing.
 */
import { describe, expect, it } from "vitest";
import { MAX_CART_LINES, MAX_LINE_QUANTITY } from "../../shared/order.js";
import { createMemoryCartRepo } from "./memory-repo.js";

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
