/**
 * The Placement page in a real browser (Debian's Chromium through playwright-core) against the
 * running shop, and its API, `GET /api/placement`: before any call the page asks for some; after
 * carts were filled and orders placed through the shop's gateway it shows the shop's services in
 * one card per suggested process, the calls per second crossing processes now, with today's groups
 * and with the suggestion, why in plain words, and the config to copy. Rules typed in the page
 * (together, apart) are kept; a service the app does not have is refused naming the field.
 * Screenshots go to test-results/dashboard/.
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  chromiumMissing,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./fixtures/browser.js";
import { type RunningShop, startShop, traffic } from "./fixtures/shop.js";
import type { PlacementReport } from "./placement-report.js";

const skip = chromiumMissing();

describe.skipIf(skip)("the Placement page on the running shop", () => {
  let shop: RunningShop;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;
  /** The shop's services and today's groups, from its definition. */
  let services: string[];
  let groups: string[];

  const api = async (query = "") => {
    const response = await fetch(`${shop.admin}/api/placement${query}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** The services of each process card, by its WEFT_GROUP (read at once: the page may redraw). */
  const cards = (): Promise<Record<string, string[]>> =>
    page
      .locator("[data-testid=placement-groups] .proc-card")
      .evaluateAll((els) =>
        Object.fromEntries(
          els.map((card) => [
            card.getAttribute("data-group") as string,
            [...card.querySelectorAll("[data-service]")].map(
              (e) => e.getAttribute("data-service") as string,
            ),
          ]),
        ),
      );

  beforeAll(async () => {
    await ensureDashboardBuilt();
    [shop, browser] = await Promise.all([startShop(), launchBrowser()]);
    services = Object.values(shop.app.describe().groups).flat().sort();
    groups = Object.keys(shop.app.describe().groups);
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shop?.stop();
  });

  it("asks for some calls first while none was recorded", async () => {
    const { status, body } = await api();
    expect(status).toBe(200);
    expect(body.suggestion).toBeNull();
    await page.goto(`${shop.admin}/placement`);
    await page.locator(".empty-title").waitFor();
    expect(await page.locator(".empty-title").textContent()).toBe("No calls between services yet");
    expect(await page.locator(".empty-text").textContent()).toContain("Make some calls first");
    expect(await page.locator(".side a.active").textContent()).toBe("Placement");
    await screenshot(page, "placement-empty");
  });

  it("suggests processes for the shop's traffic, with before and after, why, and the config", async () => {
    await traffic(shop);
    const { body } = await api();
    const report = body as unknown as PlacementReport;
    const suggestion = report.suggestion;
    if (suggestion === null) throw new Error("no suggestion after the shop's traffic");
    // As many processes as today's groups by default; every service of the shop in one of them.
    expect(report.k).toBe(groups.length);
    expect(Object.values(suggestion.groups).flat().sort()).toEqual(services);
    const { now, before, after, total } = suggestion.crossProcess;
    expect(now.callsPerSecond).toBe(0);
    expect(before?.callsPerSecond).toBeGreaterThan(0);
    expect(after.callsPerSecond).toBeLessThanOrEqual(before?.callsPerSecond ?? 0);
    expect(total.callsPerSecond).toBeGreaterThanOrEqual(before?.callsPerSecond ?? 0);

    await page.goto(`${shop.admin}/placement`);
    await page.locator("[data-testid=placement-groups]").waitFor();
    expect(await cards()).toEqual(suggestion.groups);
    expect(await page.locator("[data-testid=cross-now] .stat-value").textContent()).toBe(
      "0 calls/s",
    );
    expect(await page.locator("[data-testid=cross-before] .stat-hint").textContent()).toContain(
      groups.join(", "),
    );
    expect(await page.locator("[data-testid=cross-after] .stat-label").textContent()).toBe(
      `After: the suggested ${groups.length} processes`,
    );
    // Why, in plain words that name the shop's services: the busiest pair kept together.
    const why = (await page.locator("[data-testid=placement-why] li").allTextContents()).join("\n");
    const busiest = suggestion.kept[0];
    expect(services).toEqual(expect.arrayContaining([busiest?.a, busiest?.b]));
    expect(why).toContain(`${busiest?.a} and ${busiest?.b} exchange`);
    expect(why).toContain(
      `Today all ${services.length} services run in one process, so nothing crosses processes yet.`,
    );
    // The config: groups for defineApp, and one WEFT_GROUP per process.
    const config = (await page.locator("[data-testid=placement-config]").textContent()) ?? "";
    expect(config.startsWith("groups: {")).toBe(true);
    for (const [group, list] of Object.entries(suggestion.groups)) {
      expect(config).toContain(`${group}: [${list.map((s) => JSON.stringify(s)).join(", ")}]`);
    }
    expect(await page.locator("[data-testid=placement-commands]").textContent()).toBe(
      Object.keys(suggestion.groups)
        .map((g) => `WEFT_GROUP=${g} weft start`)
        .join("\n"),
    );
    await screenshot(page, "placement");
    // Copy puts the config on the clipboard.
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], {
      origin: shop.admin,
    });
    const copy = page.locator(".copy-block", {
      has: page.locator("[data-testid=placement-config]"),
    });
    await copy.locator("button").click();
    await expect.poll(() => copy.locator("button").textContent()).toBe("Copied");
    const clipboard = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(clipboard).toBe(config);
  });

  it("keeps the rules typed in the page, in the address too", async () => {
    await page.goto(`${shop.admin}/placement`);
    await page.locator("[data-testid=placement-groups]").waitFor();
    await page.selectOption("select[name=k]", "2");
    await expect.poll(async () => Object.keys(await cards()).length).toBe(2);
    expect(page.url()).toContain("k=2");
    await page.fill("input[name=together]", "checkout, cart");
    await page.fill("input[name=apart]", "payment, gateway");
    await page.fill("input[name=maxServices]", "5");
    await page.click("button[type=submit]");
    await expect.poll(() => page.url()).toContain("maxServices=5");
    // The answer for these rules arrived when cart wears its "pinned" badge.
    await page.locator('[data-service="cart"] .badge', { hasText: "pinned" }).waitFor();
    const shown = await cards();
    const groupOf = (service: string) =>
      Object.entries(shown).find(([, list]) => list.includes(service))?.[0];
    expect(Object.keys(shown)).toHaveLength(2);
    expect(groupOf("checkout")).toBe(groupOf("cart"));
    expect(groupOf("payment")).not.toBe(groupOf("gateway"));
    for (const list of Object.values(shown)) expect(list.length).toBeLessThanOrEqual(5);
    expect(Object.values(shown).flat().sort()).toEqual(services);
    const { body } = await api("?k=2&together=checkout,cart&apart=payment,gateway&maxServices=5");
    expect((body as unknown as PlacementReport).suggestion?.groups).toEqual(shown);
    await screenshot(page, "placement-rules");
  });

  it("refuses a service the app does not have, and a k out of range, naming the field", async () => {
    const unknown = await api("?together=checkout,basket");
    expect(unknown.status).toBe(400);
    expect(unknown.body.issues).toEqual([
      {
        path: ["query", "together"],
        message: expect.stringContaining('"basket" is not a service of this app'),
      },
    ]);
    const tooMany = await api(`?k=${services.length + 1}`);
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.detail).toContain(
      `k: must be a whole number of processes from 1 to ${services.length}`,
    );
    expect((await api("?k=two")).status).toBe(400);
    expect((await api("?maxServices=0")).body.issues).toEqual([
      { path: ["query", "maxServices"], message: expect.stringContaining("at least 1") },
    ]);

    await page.goto(`${shop.admin}/placement?k=2&together=checkout,basket`);
    await page.locator(".failure").waitFor();
    const failure = await page.locator(".failure").textContent();
    expect(failure).toContain("The admin server answered 400.");
    expect(failure).toContain('together: "basket" is not a service of this app');
    // The form stays, to fix the rule.
    expect(await page.locator("input[name=together]").inputValue()).toBe("checkout, basket");
  });
});
