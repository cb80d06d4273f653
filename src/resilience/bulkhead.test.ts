import { afterEach, describe, expect, it } from "vitest";
import { type BulkheadOptions, bulkhead } from "./bulkhead.js";
import {
  deferred,
  failure,
  other,
  startTarget,
  stopTargets,
  target,
} from "./fixtures/target-app.js";

afterEach(stopTargets);

/** Waits until `check()` holds, polling; fails after `timeoutMs`. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000) {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * A target app behind a bulkhead whose handlers hold until released, recording how many run at
 * once.
 */
async function held(options: BulkheadOptions) {
  const gates: (() => void)[] = [];
  let active = 0;
  let peak = 0;
  const t = await startTarget(
    async (_ctx, _n, input) => {
      active += 1;
      peak = Math.max(peak, active);
      const gate = deferred();
      gates.push(gate.resolve);
      await gate.promise;
      active -= 1;
      return input;
    },
    [bulkhead(options)],
  );
  return {
    ...t,
    get running() {
      return active;
    },
    /** Handlers waiting to be released. */
    get held() {
      return gates.length;
    },
    get peak() {
      return peak;
    },
    /** Lets the oldest held handler finish. */
    releaseOne() {
      const next = gates.shift();
      if (next === undefined) throw new Error("no handler is held");
      next();
    },
    releaseAll() {
      for (const g of gates.splice(0)) g();
    },
  };
}

describe("bulkhead", () => {
  it("runs at most maxConcurrent calls per service and queues the next ones in order", async () => {
    const b = await held({ maxConcurrent: 2, maxQueue: 5 });
    const client = b.app.client(target);
    const calls = [1, 2, 3, 4, 5].map((n) => client.idem(n));
    await until(() => b.running === 2, "two calls run");
    expect(b.count("target.idem")).toBe(2);
    b.releaseOne();
    await until(() => b.count("target.idem") === 3, "the first queued call runs");
    expect(b.executions.map((e) => e.input)).toEqual([1, 2, 3]);
    for (let released = 1; released < 5; released++) {
      await until(() => b.held > 0, "a call runs");
      b.releaseOne();
    }
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5]);
    expect(b.peak).toBe(2);
    expect(b.executions.map((e) => e.input)).toEqual([1, 2, 3, 4, 5]);
  });

  it("refuses a call at once with BULKHEAD_FULL when the queue is full too", async () => {
    const b = await held({ maxConcurrent: 1, maxQueue: 1 });
    const client = b.app.client(target);
    const first = client.idem("first");
    const queued = client.idem("queued");
    await until(() => b.running === 1, "the first call runs");
    const e = await failure(client.idem("refused"));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "BULKHEAD_FULL",
      mayHaveRun: false,
      retryable: true,
      metadata: { limit: "maxConcurrent", maxConcurrent: "1", maxQueue: "1" },
    });
    b.releaseOne();
    await until(() => b.running === 1 && b.count("target.idem") === 2, "the queued call runs");
    b.releaseOne();
    expect(await Promise.all([first, queued])).toEqual(["first", "queued"]);
    expect(b.executions.map((e) => e.input)).toEqual(["first", "queued"]);
  });

  it("gives up on a queued call at its deadline, and the call never runs", async () => {
    const b = await held({ maxConcurrent: 1, maxQueue: 1 });
    const client = b.app.client(target);
    const first = client.idem("first");
    await until(() => b.running === 1, "the first call runs");
    const e = await failure(client.idem("late", { timeout: 200 }));
    expect(e.code).toBe("DEADLINE_EXCEEDED");
    // The expired call left the queue: there is room for another one.
    const next = client.idem("next");
    b.releaseOne();
    await until(() => b.count("target.idem") === 2, "the next call runs");
    b.releaseAll();
    expect(await Promise.all([first, next])).toEqual(["first", "next"]);
    expect(b.executions.map((e) => e.input)).toEqual(["first", "next"]);
  });

  it("drops a queued call its caller cancelled, and the call never runs", async () => {
    const b = await held({ maxConcurrent: 1, maxQueue: 1 });
    const client = b.app.client(target);
    const first = client.idem("first");
    await until(() => b.running === 1, "the first call runs");
    const controller = new AbortController();
    const cancelled = client.idem("cancelled", { signal: controller.signal, timeout: "1m" });
    controller.abort();
    expect((await failure(cancelled)).code).toBe("CANCELLED");
    // Its place in the queue is free again.
    const next = client.idem("next");
    b.releaseOne();
    await until(() => b.count("target.idem") === 2, "the next call runs");
    b.releaseAll();
    expect(await Promise.all([first, next])).toEqual(["first", "next"]);
    expect(b.executions.map((e) => e.input)).toEqual(["first", "next"]);
  });

  it("frees the slot of a call that failed", async () => {
    let fail = true;
    const t = await startTarget(async () => {
      if (fail) throw new Error("boom");
      return "ok";
    }, [bulkhead({ maxConcurrent: 1, maxQueue: 0 })]);
    const client = t.app.client(target);
    for (let i = 0; i < 3; i++) expect((await failure(client.idem({}))).code).toBe("INTERNAL");
    fail = false;
    expect(await client.idem({})).toBe("ok");
  });

  it("keeps one compartment per service", async () => {
    const b = await held({ maxConcurrent: 1, maxQueue: 0 });
    const busy = b.app.client(target).idem("busy");
    await until(() => b.running === 1, "target runs");
    expect((await failure(b.app.client(target).idem("refused"))).reason).toBe("BULKHEAD_FULL");
    const elsewhere = b.app.client(other).idem("other");
    await until(() => b.running === 2, "other runs beside target");
    b.releaseAll();
    expect(await Promise.all([busy, elsewhere])).toEqual(["busy", "other"]);
  });

  it("queues a call whose deadline is beyond what a timer can hold", async () => {
    const b = await held({ maxConcurrent: 1, maxQueue: 1 });
    const client = b.app.client(target);
    const first = client.idem("first");
    await until(() => b.running === 1, "the first call runs");
    // 30 days: longer than Node's largest timer (about 24.8 days).
    const queued = client.idem("queued", { timeout: "30d" });
    await new Promise((r) => setTimeout(r, 50));
    b.releaseOne();
    await until(() => b.count("target.idem") === 2, "the queued call runs");
    b.releaseAll();
    expect(await Promise.all([first, queued])).toEqual(["first", "queued"]);
  });
});
