/**
 * The dashboard in a real browser (Debian's Chromium through playwright-core) against the running
 * shop: carts filled and orders placed through its HTTP gateway, one card declined, then every
 * page is opened and checked for what a user looks for — the shop's services and their process,
 * the call graph's edges, a trace across three services as a waterfall, the checkout run's steps
 * and compensation, cancelling a waiting run from its page, the order.placed topic with its two
 * consumers, and the declined card on the Errors page. Screenshots go to test-results/dashboard/.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { workflows } from "../workflow/index.js";
import {
  chromiumMissing,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./fixtures/browser.js";
import {
  orderReview,
  type RunningShop,
  startShop,
  type Traffic,
  traffic,
} from "./fixtures/shop.js";

const SHOP_SERVICES = [
  "catalog",
  "cart",
  "checkout",
  "payment",
  "shipping",
  "email",
  "loyalty",
  "currency",
];

/** The page's window, as far as these tests use it (their own types have no DOM). */
type Win = { getComputedStyle(e: unknown): { getPropertyValue(p: string): string } };

const skip = chromiumMissing();

describe.skipIf(skip)("dashboard on the running shop", () => {
  let shop: RunningShop;
  let sent: Traffic;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
    sent = await traffic(shop);
    // Events are handled after the orders answered: wait until both consumers had all three.
    for (let i = 0; i < 400; i++) {
      const stats = (await (await fetch(`${shop.admin}/api/events/stats`)).json()) as {
        consumers: { handled: { calls: number } }[];
      };
      if (stats.consumers.every((c) => c.handled.calls >= 3)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
  });

  const open = async (path: string) => {
    await page.goto(`${shop.admin}${path}`);
    await page.locator(".page-head h1").waitFor();
  };

  it("shows each service with its process, methods, calls and latency", async () => {
    await open("/");
    await page.locator("[data-testid=service-checkout]").waitFor();
    await expect.poll(() => page.locator(".app-name").textContent()).toBe(shop.app.name);
    expect(await page.locator(".top .pill").textContent()).toBe("running");
    for (const name of SHOP_SERVICES) {
      const card = page.locator(`[data-testid=service-${name}]`);
      expect(await card.locator(".service-name").textContent()).toBe(name);
      expect(await card.locator(".card-meta").textContent()).toContain(`pid ${process.pid}`);
    }
    // Four orders reached checkout.placeOrder (one declined: 25 % errors).
    const placeOrder = page
      .locator("[data-testid=service-checkout] tr")
      .filter({ has: page.locator("code.method", { hasText: /^placeOrder$/ }) });
    const cells = await placeOrder.locator("td").allTextContents();
    expect(cells.slice(1, 5)).toEqual(["4", expect.any(String), "1", "25%"]);
    expect(cells[5]).toMatch(/\d ms$/);
    // Uncalled methods are listed too, from the contract.
    expect(await page.locator("[data-testid=service-checkout]").textContent()).toContain(
      "getOrder",
    );
    // Event handlers show as work the consumers performed.
    expect(await page.locator("[data-testid=service-loyalty]").textContent()).toContain(
      "on order.placed",
    );
    await screenshot(page, "services");
  });

  it("draws the call graph with the shop's edges inside one process", async () => {
    await open("/topology");
    await page.locator("svg.topology").waitFor();
    for (const name of [...SHOP_SERVICES, "gateway"]) {
      expect(await page.locator(`svg.topology [data-node="${name}"]`).count()).toBe(1);
    }
    for (const edge of ["gateway->checkout", "gateway->cart", "cart->catalog"]) {
      const drawn = page.locator(`svg.topology [data-edge="${edge}"]`);
      expect(await drawn.getAttribute("data-kind")).toBe("in-process");
      expect(await drawn.locator(".edge-label").textContent()).toMatch(/\/s$/);
    }
    expect(await page.locator(".legend").textContent()).toContain("across processes");
    expect(await page.locator(".process-box").textContent()).toContain(`pid ${process.pid}`);
    const row = page.locator('[data-testid=edges] tr[data-edge="gateway->checkout"]');
    expect(await row.locator("td").nth(3).textContent()).toBe("4");
    await screenshot(page, "topology");
  });

  it("lists traces and opens one across three services as a waterfall", async () => {
    await open("/traces");
    const rows = page.locator("[data-testid=traces] tbody tr");
    await rows.first().waitFor();
    const addItem = rows.filter({ hasText: "gateway POST /carts/:userId/items" }).first();
    expect(await addItem.locator(".chips .badge").allTextContents()).toEqual(
      expect.arrayContaining(["gateway", "cart", "catalog"]),
    );
    await screenshot(page, "traces");
    await addItem.click();
    const waterfall = page.locator("[data-testid=waterfall]");
    await waterfall.waitFor();
    const names = await waterfall.locator(".wf-name").allTextContents();
    expect(names).toEqual(
      expect.arrayContaining([
        "gateway POST /carts/:userId/items",
        "cart.addItem",
        "catalog.getProduct",
      ]),
    );
    // Children are indented under their parents, and every span names its process.
    const indent = async (name: string): Promise<number> =>
      page
        .locator(".wf-item", {
          has: page.locator(".wf-name", { hasText: new RegExp(`^${name}$`) }),
        })
        .first()
        .locator(".wf-label")
        .evaluate((el) =>
          Number.parseFloat(
            (globalThis as unknown as Win).getComputedStyle(el).getPropertyValue("padding-left"),
          ),
        );
    expect(await indent("catalog.getProduct")).toBeGreaterThan(await indent("cart.addItem"));
    expect(await waterfall.locator(".wf-proc").last().textContent()).toContain(
      `pid ${process.pid}`,
    );
    await screenshot(page, "trace");
  });

  it("shows the declined order's trace with the failing spans in red", async () => {
    await open("/traces?errors=true");
    const failed = page.locator("[data-testid=traces] tbody tr", {
      hasText: "gateway POST /checkout",
    });
    await failed.first().waitFor();
    expect(await failed.first().locator(".pill.bad").textContent()).toBe("CARD_DECLINED");
    await failed.first().click();
    const red = page.locator("[data-testid=waterfall] .wf-item.failed");
    await red.first().waitFor();
    expect(await red.locator(".wf-reason").allTextContents()).toContain("CARD_DECLINED");
    const color = await red
      .first()
      .locator(".wf-bar")
      .evaluate((el) =>
        (globalThis as unknown as Win).getComputedStyle(el).getPropertyValue("background-color"),
      );
    expect(color).toBe("rgb(192, 38, 45)");
    await screenshot(page, "trace-error");
  });

  it("lists workflow runs, filters them, and shows a run's steps", async () => {
    await open("/workflows");
    const runs = page.locator("[data-testid=runs] tbody tr");
    await runs.first().waitFor();
    expect(await runs.count()).toBe(4);
    await screenshot(page, "workflows");
    await page.selectOption("select[name=status]", "compensated");
    await expect.poll(() => runs.count()).toBe(1);
    expect(page.url()).toContain("status=compensated");
    await runs.first().click();
    const steps = page.locator("[data-testid=steps] > li");
    await steps.first().waitFor();
    expect(await steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual([
      "price",
      "reserve-stock",
      "charge",
      "compensate:reserve-stock",
    ]);
    expect(await page.locator("li[data-step=charge]").getAttribute("class")).toContain("failed");
    expect(await page.locator("li[data-step=charge] .step-error").textContent()).toContain(
      "CARD_DECLINED",
    );
    expect(
      await page.locator('li[data-step="compensate:reserve-stock"]').getAttribute("class"),
    ).toContain("compensation");
    expect(await page.locator("[data-testid=run-status]").textContent()).toBe("compensated");
    await screenshot(page, "workflow-compensated");

    await open(`/workflows/${encodeURIComponent(sent.placed[0] as string)}`);
    await steps.first().waitFor();
    expect(await steps.evaluateAll((els) => els.map((e) => e.getAttribute("data-step")))).toEqual([
      "price",
      "reserve-stock",
      "charge",
      "ship",
      "empty-cart",
      "announce",
    ]);
    expect(await page.locator("[data-testid=run-status]").textContent()).toBe("completed");
    // A step's output opens on demand.
    await page.locator("li[data-step=ship] details summary").click();
    expect(await page.locator("li[data-step=ship] pre").textContent()).toContain("trackingId");
    await screenshot(page, "workflow-run");
  });

  it("cancels a waiting run from its page", async () => {
    const { id } = await workflows(shop.app).start(orderReview, { orderId: "order-42" });
    await open(`/workflows/${encodeURIComponent(id)}`);
    const status = page.locator("[data-testid=run-status]");
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("sleeping");
    await page.locator("li[data-step=flag]").waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe("cancelled");
    expect((await workflows(shop.app).get(id)).status).toBe("cancelled");
    expect(await page.getByRole("button", { name: "Cancel run" }).count()).toBe(0);
    await screenshot(page, "workflow-cancelled");
  });

  it("shows topics with their consumers and delivery counts", async () => {
    await open("/events");
    const topic = page.locator('[data-testid=topics] tr[data-topic="order.placed"]');
    await topic.waitFor();
    expect((await topic.locator(".badge").allTextContents()).sort()).toEqual([
      "email/order.placed",
      "loyalty/order.placed",
    ]);
    for (const consumer of ["email/order.placed", "loyalty/order.placed"]) {
      const row = page.locator(`[data-testid=consumers] tr[data-consumer="${consumer}"]`);
      const cells = await row.locator("td").allTextContents();
      expect(cells[3]).toBe("0"); // nothing waiting
      expect(cells[4]).toBe("3"); // three orders handled
    }
    expect(await page.locator("[data-testid=dead-letters]").textContent()).toContain(
      "No dead letters",
    );
    await screenshot(page, "events");
  });

  it("groups errors by code and reason and links a sample trace", async () => {
    await open("/errors");
    const declined = page.locator("[data-testid=errors] tr[data-error=CARD_DECLINED]");
    await declined.waitFor();
    const cells = await declined.locator("td").allTextContents();
    expect(cells[0]).toContain("FAILED_PRECONDITION");
    // One trace: the order's, which the checkout run's steps continue.
    expect(cells[1]).toBe("1");
    expect(cells[2]).toBe("payment.charge");
    expect(await page.locator("tr[data-error=PRODUCT_NOT_FOUND]").count()).toBe(1);
    await screenshot(page, "errors");
    await declined.getByRole("link", { name: "Sample trace" }).click();
    await page.locator("[data-testid=waterfall] .wf-item.failed").first().waitFor();
    expect(page.url()).toMatch(/\/traces\/[0-9a-f]{32}$/);
  });

  it("opens any page by its address (reload and shared links)", async () => {
    const run = sent.declined;
    await open(`/workflows/${encodeURIComponent(run)}`);
    await page.locator("[data-testid=steps]").waitFor();
    await page.reload();
    await page.locator("[data-testid=steps]").waitFor();
    expect(await page.locator(".side a.active").textContent()).toBe("Workflows");
    await page.goBack().catch(() => {});
    // A hash address opens the same page as its path, at load and when only the hash changes.
    await open("/#/workflows");
    await page.locator("[data-testid=runs] tbody tr").first().waitFor();
    expect(new URL(page.url()).pathname).toBe("/workflows");
    expect(await page.locator(".side a.active").textContent()).toBe("Workflows");
    await page.evaluate(() => {
      (globalThis as unknown as { location: { hash: string } }).location.hash = "#/traces";
    });
    await expect.poll(() => new URL(page.url()).pathname).toBe("/traces");
    await expect.poll(() => page.locator(".side a.active").textContent()).toBe("Traces");
    const response = await page.goto(`${shop.admin}/no-such-page`);
    expect(response?.status()).toBe(404);
  });
});
