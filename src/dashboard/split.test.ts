/**
 * The dashboard of a process whose services run elsewhere: the shop split into three processes
 * over NATS (`weft start --group G`), and the test's own client process with its admin server and
 * the dashboard. Its calls crossed processes, so the Topology page draws them dashed and the
 * Services page says each service runs in another process, measured by its callers here.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShop } from "../../examples/shop/app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard } from "../../examples/shop/fixtures.js";
import { cart } from "../../examples/shop/services/cart/contract.js";
import { checkout } from "../../examples/shop/services/checkout/contract.js";
import type { AppOptions } from "../core/index.js";
import { ADMIN } from "../observe/index.js";
import { unreachable } from "../testing/services.js";
import { type SplitHarness, startSplit } from "../testing/split-harness.js";
import {
  chromiumMissing,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./fixtures/browser.js";
import { mountDashboard } from "./mount.js";

const skip = (await unreachable("nats")) || chromiumMissing();

/** The page's window, as far as this test uses it (its own types have no DOM). */
type Win = { getComputedStyle(e: unknown): { getPropertyValue(p: string): string } };

describe.skipIf(skip)("dashboard of a process calling a split shop", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "weft-dashboard-split-"));
  let h: SplitHarness;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  let admin: string;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    const definition = createShop();
    [h, browser] = await Promise.all([
      startSplit({
        module: new URL("../../examples/shop/app.ts", import.meta.url),
        definition,
        natsUrl: "nats://127.0.0.1:4222",
        env: { WEFT_DATA_DIR: dataDir },
        appOptions: {
          admin: true,
          config: { dataDir, adminPort: 0, logLevel: "error" },
        } as AppOptions,
      }),
      launchBrowser(),
    ]);
    mountDashboard(h.app, { definition });
    admin = h.app.use(ADMIN).url as string;
    page = await browser.context.newPage();
    await h.app
      .client(cart)
      .addItem({ userId: "split-ada", productId: PRODUCT_IDS.mug, quantity: 2 });
    await h.app.client(checkout).placeOrder({
      userId: "split-ada",
      userCurrency: "USD",
      address: SAMPLE_ADDRESS,
      email: "ada@example.com",
      creditCard: sampleCard(),
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it("draws calls to other processes dashed, outside this process", async () => {
    await page.goto(`${admin}/topology`);
    const edge = page.locator('svg.topology [data-edge="(outside)->checkout"]');
    await edge.waitFor();
    expect(await edge.getAttribute("data-kind")).toBe("cross-process");
    const dashes = await edge
      .locator("path")
      .evaluate((el) =>
        (globalThis as unknown as Win).getComputedStyle(el).getPropertyValue("stroke-dasharray"),
      );
    expect(dashes).not.toBe("none");
    expect(
      await page.locator('[data-testid=edges] tr[data-edge="(outside)->cart"]').textContent(),
    ).toContain("across processes");
    // No service runs here: no process box.
    expect(await page.locator(".process-box").count()).toBe(0);
    await screenshot(page, "topology-split");
  });

  it("says each service runs in another process, measured by its callers", async () => {
    await page.goto(admin);
    const card = page.locator("[data-testid=service-checkout]");
    await card.waitFor();
    expect(await card.locator(".card-meta").textContent()).toContain("runs in another process");
    const placeOrder = card
      .locator("tr")
      .filter({ has: page.locator("code.method", { hasText: /^placeOrder$/ }) });
    expect((await placeOrder.locator("td").allTextContents())[1]).toBe("1");
    await screenshot(page, "services-split");
  });
});
