/**
 * The dashboard in a real browser on a small app whose event consumer fails: first the empty
 * states a new app shows (they say what to do), then a dead letter on the Events page with its
 * error, and the Redrive button delivering it again once the consumer is fixed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type App, defineApp, defineService, method, unavailable } from "../core/index.js";
import { createApp } from "../create-app.js";
import { defineTopic, events, subscribe } from "../events/index.js";
import { ADMIN } from "../observe/index.js";
import { uniqueName } from "../testing/unique-name.js";
import {
  chromiumMissing,
  ensureDashboardBuilt,
  launchBrowser,
  screenshot,
} from "./fixtures/browser.js";
import { mountDashboard } from "./mount.js";

const invoiceIssued = defineTopic("invoice.issued", z.object({ invoiceId: z.string() }));

const billing = defineService("billing", {
  issue: method({ input: z.object({ invoiceId: z.string() }), output: z.object({}) }),
});
const ledger = defineService("ledger", {
  entries: method({ input: z.object({}), output: z.array(z.string()) }),
});

/** While true, the ledger's consumer fails (its database is "down"). */
let ledgerDown = true;
const booked: string[] = [];

const definition = defineApp({
  name: uniqueName("billing"),
  services: [
    billing.implement({
      async issue(ctx, { invoiceId }) {
        await ctx.publish(invoiceIssued, { invoiceId }, { key: invoiceId });
        return {};
      },
    }),
    ledger.implement(
      { entries: async () => [...booked] },
      {
        subscriptions: [
          subscribe(
            invoiceIssued,
            async (_ctx, { invoiceId }) => {
              if (ledgerDown) throw unavailable("LEDGER_DOWN", "the ledger database is down");
              booked.push(invoiceId);
            },
            { retry: { attempts: 1 } },
          ),
        ],
      },
    ),
  ],
});

const skip = chromiumMissing();

describe.skipIf(skip)("dashboard: empty states and dead letters", () => {
  let app: App;
  let dir: string;
  let admin: string;
  let browser: { context: BrowserContext; close(): Promise<void> };
  let page: Page;

  beforeAll(async () => {
    await ensureDashboardBuilt();
    dir = await mkdtemp(join(tmpdir(), "weft-dashboard-dl-"));
    app = createApp(definition, {
      env: {},
      admin: true,
      config: { logLevel: "error", dataDir: dir, adminPort: 0 },
    });
    mountDashboard(app, { definition });
    [browser] = await Promise.all([launchBrowser(), app.start()]);
    admin = app.use(ADMIN).url as string;
    page = await browser.context.newPage();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.stop({ grace: 0 });
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const open = async (path: string) => {
    await page.goto(`${admin}${path}`);
    await page.locator(".page-head h1").waitFor();
  };

  it("says what to do while there is nothing to show", async () => {
    await open("/traces");
    await expect.poll(() => page.locator(".empty-title").textContent()).toBe("No traces yet");
    expect(await page.locator(".empty-text").textContent()).toContain("Call a service");
    await screenshot(page, "empty-traces");
    await open("/workflows");
    await expect
      .poll(() => page.locator(".empty-title").textContent())
      .toBe("This app has no workflows");
    await open("/errors");
    await expect.poll(() => page.locator(".empty-title").textContent()).toBe("No errors recorded");
    await open("/events");
    await expect.poll(() => page.locator(".empty-title").textContent()).toBe("No dead letters");
  });

  it("shows a dead letter with its error, and redrives it", async () => {
    await app.client(billing).issue({ invoiceId: "inv-1001" });
    const client = events(app);
    for (let i = 0; i < 400 && (await client.deadLetters()).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    await open("/events");
    const row = page.locator("[data-testid=dead-letters] tr[data-dead-letter]");
    await row.first().waitFor({ timeout: 10_000 });
    const cells = await row.first().locator("td").allTextContents();
    expect(cells[1]).toBe("ledger/invoice.issued");
    expect(cells[2]).toContain("invoice.issued");
    expect(cells[2]).toContain("inv-1001");
    expect(cells[4]).toContain("LEDGER_DOWN");
    expect(cells[4]).toContain("the ledger database is down");
    const consumer = page.locator(
      '[data-testid=consumers] tr[data-consumer="ledger/invoice.issued"]',
    );
    expect((await consumer.locator("td").allTextContents())[8]).toBe("1");
    await screenshot(page, "events-dead-letter");

    ledgerDown = false;
    await row.first().getByRole("button", { name: "Redrive" }).click();
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    for (let i = 0; i < 400 && booked.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(booked).toEqual(["inv-1001"]);
    expect(await client.deadLetters()).toEqual([]);
  });
});
