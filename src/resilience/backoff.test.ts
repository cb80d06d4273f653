import { getEventListeners } from "node:events";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cancelled } from "../core/index.js";
import { exponentialBackoff, sleep } from "./backoff.js";

/** A random source that always returns `r`. */
const fixed = (r: number) => () => r;

/** Numbers in [0, 1), as Math.random returns them. */
const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe("exponentialBackoff", () => {
  it("grows by the multiplier from the initial wait and stops at the max (no jitter)", () => {
    const backoff = exponentialBackoff({ initial: 100, max: 1000, multiplier: 2, jitter: "none" });
    expect([1, 2, 3, 4, 5, 6, 20].map(backoff)).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it("defaults to 50 ms doubling up to 2 s", () => {
    const backoff = exponentialBackoff({ jitter: "none" });
    expect([1, 2, 3, 6, 7, 30].map(backoff)).toEqual([50, 100, 200, 1600, 2000, 2000]);
  });

  it("accepts durations as strings", () => {
    const backoff = exponentialBackoff({ initial: "1s", max: "1m", multiplier: 3, jitter: "none" });
    expect([1, 2, 3, 4, 5].map(backoff)).toEqual([1000, 3000, 9000, 27_000, 60_000]);
  });

  it("treats attempt numbers below 1 as the first retry", () => {
    const backoff = exponentialBackoff({ initial: 100, jitter: "none" });
    expect([0, -3].map(backoff)).toEqual([100, 100]);
  });

  it("full jitter (the default) scales the cap by the random draw", () => {
    const backoff = exponentialBackoff({ initial: 100, max: 1000, random: fixed(0.25) });
    expect([1, 2, 3, 4, 5].map(backoff)).toEqual([25, 50, 100, 200, 250]);
    expect(exponentialBackoff({ initial: 100, random: fixed(0) })(3)).toBe(0);
  });

  it("equal jitter keeps at least half of the cap", () => {
    const backoff = exponentialBackoff({ initial: 100, jitter: "equal", random: fixed(0) });
    expect([1, 2, 3].map(backoff)).toEqual([50, 100, 200]);
    const top = exponentialBackoff({ initial: 100, jitter: "equal", random: fixed(0.5) });
    expect(top(2)).toBe(150);
  });

  it("spread jitter scatters the wait around the cap, from half of it to half again", () => {
    const low = exponentialBackoff({ initial: 1, max: 50, jitter: "spread", random: fixed(0) });
    expect([1, 2, 6, 7, 20].map(low)).toEqual([0.5, 1, 16, 25, 25]);
    const high = exponentialBackoff({ initial: 1, max: 50, jitter: "spread", random: fixed(0.75) });
    expect([1, 3, 20].map(high)).toEqual([1.25, 5, 62.5]);
  });

  it("draws one random number per wait, from the source given", () => {
    let draws = 0;
    const backoff = exponentialBackoff({
      random: () => {
        draws += 1;
        return 0.5;
      },
    });
    for (let n = 1; n <= 5; n++) backoff(n);
    expect(draws).toBe(5);
    exponentialBackoff({ jitter: "none", random: () => expect.unreachable() })(3);
  });

  it("stays within [0, cap) with full jitter, [cap/2, cap) with equal and [cap/2, 3cap/2) with spread", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: -2, max: 60 }),
        unit,
        (initial, max, multiplier, attempt, r) => {
          const cap = exponentialBackoff({ initial, max, multiplier, jitter: "none" })(attempt);
          expect(cap).toBeLessThanOrEqual(max);
          expect(cap).toBe(Math.min(max, initial * multiplier ** Math.max(0, attempt - 1)));
          const full = exponentialBackoff({ initial, max, multiplier, random: () => r })(attempt);
          expect(full).toBeGreaterThanOrEqual(0);
          expect(full).toBeLessThanOrEqual(cap);
          if (cap > 0 && r < 1) expect(full).toBeLessThan(cap);
          const equal = exponentialBackoff({
            initial,
            max,
            multiplier,
            jitter: "equal",
            random: () => r,
          })(attempt);
          expect(equal).toBeGreaterThanOrEqual(cap / 2);
          expect(equal).toBeLessThanOrEqual(cap);
          const spread = exponentialBackoff({
            initial,
            max,
            multiplier,
            jitter: "spread",
            random: () => r,
          })(attempt);
          expect(spread).toBeGreaterThanOrEqual(cap / 2);
          expect(spread).toBeLessThanOrEqual(cap * 1.5);
        },
      ),
    );
  });

  it("never shrinks from one attempt to the next before jitter", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        (initial, max, multiplier) => {
          const backoff = exponentialBackoff({ initial, max, multiplier, jitter: "none" });
          for (let n = 1; n < 40; n++) expect(backoff(n + 1)).toBeGreaterThanOrEqual(backoff(n));
        },
      ),
    );
  });

  it("refuses durations it cannot read", () => {
    expect(() => exponentialBackoff({ initial: "soon" as never })).toThrow(/initial/);
    expect(() => exponentialBackoff({ max: -1 })).toThrow(/max/);
  });
});

describe("sleep", () => {
  it("resolves after the wait", async () => {
    await expect(sleep(5)).resolves.toBeUndefined();
  });

  it("rejects with the signal's reason when aborted during the wait, and stops waiting", async () => {
    const controller = new AbortController();
    const reason = cancelled("CALL_CANCELLED", "stop");
    const waiting = sleep(600_000, controller.signal);
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
  });

  it("rejects at once when the signal is already aborted", async () => {
    const controller = new AbortController();
    const reason = cancelled("CALL_CANCELLED", "stop");
    controller.abort(reason);
    await expect(sleep(600_000, controller.signal)).rejects.toBe(reason);
  });

  it("leaves no listener on the signal once it settles", async () => {
    const controller = new AbortController();
    await sleep(1, controller.signal);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    const aborted = new AbortController();
    const waiting = sleep(600_000, aborted.signal);
    aborted.abort(cancelled("CALL_CANCELLED", "stop"));
    await expect(waiting).rejects.toMatchObject({ reason: "CALL_CANCELLED" });
    expect(getEventListeners(aborted.signal, "abort")).toHaveLength(0);
  });
});
