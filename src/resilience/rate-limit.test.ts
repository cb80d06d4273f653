import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import type { CallContext } from "../core/index.js";
import {
  failure,
  manualClock,
  other,
  startTarget,
  stopTargets,
  target,
} from "./fixtures/target-app.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit.js";

afterEach(stopTargets);

/** A target app behind a rate limit with a hand-moved clock (client side by default). */
async function limited(
  options: Omit<RateLimitOptions, "now">,
  side: "client" | "server" = "client",
) {
  const clock = manualClock();
  const limit = rateLimit({ ...options, now: clock.now });
  const t = await startTarget(
    async (ctx: CallContext) => ctx.method,
    side === "client" ? [limit] : [],
    side === "server" ? { server: [limit] } : {},
  );
  return { ...t, clock, client: t.app.client(target) };
}

/** Calls `target.idem` and says whether the rate limit let it through. */
async function admitted(call: Promise<unknown>): Promise<boolean> {
  try {
    await call;
    return true;
  } catch (e) {
    if ((e as { reason?: string }).reason === "RATE_LIMITED") return false;
    throw e;
  }
}

describe("rate limit", () => {
  it("lets a burst through, then refuses with RATE_LIMITED without running the method", async () => {
    const r = await limited({ perSecond: 10, burst: 3 });
    for (let i = 0; i < 3; i++) expect(await r.client.idem({})).toBe("idem");
    const e = await failure(r.client.idem({}));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "RATE_LIMITED",
      mayHaveRun: false,
      retryable: true,
      metadata: { limit: "perSecond", perSecond: "10", retryAfterMs: "100" },
    });
    expect(r.count("target.idem")).toBe(3);
  });

  it("says how long to wait, and a call after that wait is let through", async () => {
    const r = await limited({ perSecond: 2, burst: 1 });
    await r.client.idem({});
    expect((await failure(r.client.idem({}))).metadata.retryAfterMs).toBe("500");
    r.clock.advance(200);
    const e = await failure(r.client.idem({}));
    expect(e.metadata.retryAfterMs).toBe("300");
    r.clock.advance(Number(e.metadata.retryAfterMs) - 1);
    expect(await admitted(r.client.idem({}))).toBe(false);
    r.clock.advance(1);
    expect(await admitted(r.client.idem({}))).toBe(true);
  });

  it("refills at perSecond and never holds more than the burst", async () => {
    const r = await limited({ perSecond: 4, burst: 2 });
    r.clock.advance(3_600_000);
    const results: boolean[] = [];
    for (let i = 0; i < 4; i++) results.push(await admitted(r.client.idem({})));
    expect(results).toEqual([true, true, false, false]);
    r.clock.advance(250);
    expect(await admitted(r.client.idem({}))).toBe(true);
    expect(await admitted(r.client.idem({}))).toBe(false);
  });

  it("allows perSecond calls in a burst by default", async () => {
    const r = await limited({ perSecond: 5 });
    const results: boolean[] = [];
    for (let i = 0; i < 6; i++) results.push(await admitted(r.client.idem({})));
    expect(results).toEqual([true, true, true, true, true, false]);
  });

  it("keeps one bucket per called service by default", async () => {
    const r = await limited({ perSecond: 1 });
    expect(await admitted(r.client.idem({}))).toBe(true);
    expect(await admitted(r.client.once({}))).toBe(false);
    expect(await admitted(r.app.client(other).idem({}))).toBe(true);
  });

  it("counts by any key, e.g. a tenant from the call's metadata", async () => {
    const r = await limited({ perSecond: 1, key: (ctx) => ctx.metadata.tenant ?? "none" });
    const as = (tenant: string) => r.app.client(target, { metadata: { tenant } });
    expect(await admitted(as("a").idem({}))).toBe(true);
    expect(await admitted(as("a").idem({}))).toBe(false);
    expect(await admitted(as("b").idem({}))).toBe(true);
    const e = await failure(as("a").once({}));
    expect(e.message).toContain("a");
  });

  it("works as server middleware too", async () => {
    const r = await limited({ perSecond: 1 }, "server");
    expect(await admitted(r.client.idem({}))).toBe(true);
    const e = await failure(r.client.idem({}));
    expect(e).toMatchObject({ reason: "RATE_LIMITED", mayHaveRun: false });
    expect(r.count("target.idem")).toBe(1);
  });

  it("refuses a rate that is not positive", () => {
    for (const perSecond of [0, -1, Number.NaN]) {
      expect(() => rateLimit({ perSecond })).toThrow(RangeError);
    }
  });

  it("never lets through more than burst + perSecond × elapsed seconds", async () => {
    // The token bucket's promise, over any schedule of calls (ms between calls).
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 10 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 60 }),
        async (perSecond, burst, gaps) => {
          const r = await limited({ perSecond, burst });
          const start = r.clock.now();
          let passed = 0;
          for (const gap of gaps) {
            r.clock.advance(gap);
            if (await admitted(r.client.idem({}))) passed += 1;
            const elapsed = (r.clock.now() - start) / 1000;
            expect(passed).toBeLessThanOrEqual(burst + perSecond * elapsed + 1e-9);
          }
          expect(r.count("target.idem")).toBe(passed);
          await stopTargets();
        },
      ),
      { numRuns: 200 },
    );
  });

  it("lets every call through when calls come no faster than the rate", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 40 }),
        async (perSecond, extra) => {
          const r = await limited({ perSecond, burst: 1 });
          for (const ms of extra) {
            expect(await admitted(r.client.idem({}))).toBe(true);
            r.clock.advance(Math.ceil(1000 / perSecond) + ms);
          }
          await stopTargets();
        },
      ),
      { numRuns: 100 },
    );
  });
});
