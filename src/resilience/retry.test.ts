import { afterEach, describe, expect, it } from "vitest";
import {
  type CallContext,
  failedPrecondition,
  internal,
  invalidArgument,
  type Middleware,
  notFound,
  unavailable,
  WeftError,
} from "../core/index.js";
import { exponentialBackoff } from "./backoff.js";
import { deferred, failure, startTarget, stopTargets, target } from "./fixtures/target-app.js";
import { type RetryOptions, retry } from "./retry.js";

afterEach(stopTargets);

type RetryEvent = Parameters<NonNullable<RetryOptions["onRetry"]>>[0];

/** A retry with tiny fixed waits that records every retry it makes. */
function quickRetry(options: RetryOptions = {}) {
  const events: RetryEvent[] = [];
  const middleware = retry({
    backoff: { initial: 1, max: 1, jitter: "none" },
    ...options,
    onRetry: (event) => {
      events.push(event);
      options.onRetry?.(event);
    },
  });
  return { middleware, events };
}

/** Client middleware that records when each attempt starts and the deadline it carries. */
function attemptRecorder() {
  const attempts: { at: number; deadline: number }[] = [];
  const middleware: Middleware = (next) => (ctx, input) => {
    attempts.push({ at: Date.now(), deadline: ctx.deadline });
    return next(ctx, input);
  };
  return { middleware, attempts };
}

/** Client middleware (outside retry) that tells when retry's own promise settles. */
function settleWatcher() {
  const settled = deferred<{ ok: boolean; error?: unknown }>();
  const middleware: Middleware = (next) => async (ctx, input) => {
    try {
      const out = await next(ctx, input);
      settled.resolve({ ok: true });
      return out;
    } catch (error) {
      settled.resolve({ ok: false, error });
      throw error;
    }
  };
  return { middleware, settled: settled.promise };
}

/** Blocks the event loop until `until` (epoch ms): a GC pause or a starved CPU, on purpose. */
function stall(until: number) {
  while (Date.now() <= until) {
    // busy wait
  }
}

describe("retry: when it retries", () => {
  it("retries a retryable error of an idempotent method until the call succeeds", async () => {
    const { middleware, events } = quickRetry();
    const t = await startTarget(
      async (_ctx, n) => {
        if (n < 3) throw unavailable("FLAKY", `try ${n}`);
        return { n };
      },
      [middleware],
    );
    expect(await t.app.client(target).idem({})).toEqual({ n: 3 });
    expect(t.count("target.idem")).toBe(3);
    expect(events.map((e) => [e.attempt, e.service, e.method])).toEqual([
      [1, "target", "idem"],
      [2, "target", "idem"],
    ]);
    expect(events.map((e) => (e.error as WeftError).reason)).toEqual(["FLAKY", "FLAKY"]);
  });

  it("does not retry a non-idempotent method once its code ran (mayHaveRun)", async () => {
    const { middleware, events } = quickRetry();
    const t = await startTarget(async () => {
      throw unavailable("BACKEND_DOWN", "ran, then lost the backend");
    }, [middleware]);
    const e = await failure(t.app.client(target).once({}));
    expect(e).toMatchObject({ code: "UNAVAILABLE", reason: "BACKEND_DOWN", mayHaveRun: true });
    expect(t.count("target.once")).toBe(1);
    expect(events).toEqual([]);
  });

  it("retries a non-idempotent method when the error says it never ran", async () => {
    // Server middleware runs before the method's code: what it throws has mayHaveRun false.
    let gateCalls = 0;
    const gate: Middleware = (next) => async (ctx, input) => {
      gateCalls += 1;
      if (gateCalls < 3) throw unavailable("WARMING_UP", "not yet");
      return next(ctx, input);
    };
    const { middleware, events } = quickRetry();
    const t = await startTarget(async () => "done", [middleware], { server: [gate] });
    expect(await t.app.client(target).once({})).toBe("done");
    expect(gateCalls).toBe(3);
    expect(t.count("target.once")).toBe(1);
    expect(events.map((e) => (e.error as WeftError).mayHaveRun)).toEqual([false, false]);
  });

  // Every combination of the three flags: retry iff retryable && (idempotent || !mayHaveRun).
  const combos = [false, true].flatMap((retryable) =>
    [false, true].flatMap((mayHaveRun) =>
      [false, true].map((idempotent) => ({ retryable, mayHaveRun, idempotent })),
    ),
  );
  it.each(combos)(
    "retryable=$retryable mayHaveRun=$mayHaveRun idempotent=$idempotent",
    async ({ retryable, mayHaveRun, idempotent }) => {
      let injected = 0;
      const inject: Middleware = () => async () => {
        injected += 1;
        throw new WeftError("ABORTED", "INJECTED", "injected", { retryable, mayHaveRun });
      };
      const t = await startTarget(
        async () => "unused",
        [retry({ attempts: 3, backoff: () => 1 }), inject],
      );
      const client = t.app.client(target);
      const e = await failure(idempotent ? client.idem({}) : client.once({}));
      expect(e.reason).toBe("INJECTED");
      const safe = retryable && (idempotent || !mayHaveRun);
      expect(injected).toBe(safe ? 3 : 1);
    },
  );

  it.each([
    ["NOT_FOUND", () => notFound("NO_SUCH_THING", "missing")],
    ["INVALID_ARGUMENT", () => invalidArgument("BAD_INPUT", "bad")],
    ["INTERNAL", () => internal("BUG", "bug")],
    ["UNAVAILABLE marked not retryable", () => unavailable("GONE", "gone", { retryable: false })],
    ["a plain Error", () => new Error("boom")],
  ])("never retries %s, even for an idempotent method", async (_name, make) => {
    const { middleware, events } = quickRetry();
    const t = await startTarget(async () => {
      throw make();
    }, [middleware]);
    await failure(t.app.client(target).idem({}));
    expect(t.count("target.idem")).toBe(1);
    expect(events).toEqual([]);
  });

  it("retries NOT_CONNECTED while the connection is down less than reconnectWait, then stops", async () => {
    // What a transport says while its broker connection is down: for how long, in metadata.
    const downFor = [0, 500, 1500, 2500, 4000];
    let attempt = 0;
    const gate: Middleware = () => async () => {
      const ms = downFor[Math.min(attempt++, downFor.length - 1)] ?? 0;
      throw unavailable("NOT_CONNECTED", "not connected", {
        mayHaveRun: false,
        metadata: { disconnectedMs: String(ms) },
      });
    };
    const { middleware, events } = quickRetry();
    const t = await startTarget(async () => "done", [middleware], { server: [gate] });
    const e = await failure(t.app.client(target).once({}, { timeout: "20s" }));
    expect(e).toMatchObject({ reason: "NOT_CONNECTED", metadata: { disconnectedMs: "2500" } });
    // Retried after 0, 500 and 1500 ms down; 2500 is past the default 2 s: returned at once.
    expect(events).toHaveLength(3);
  });

  it("returns NOT_CONNECTED at once when the outage is older than reconnectWait", async () => {
    const gate: Middleware = () => async () => {
      throw unavailable("NOT_CONNECTED", "not connected", {
        mayHaveRun: false,
        metadata: { disconnectedMs: "40000" },
      });
    };
    const { middleware, events } = quickRetry({ reconnectWait: "30s" });
    const t = await startTarget(async () => "done", [middleware], { server: [gate] });
    expect(await failure(t.app.client(target).idem({}))).toMatchObject({ reason: "NOT_CONNECTED" });
    expect(events).toHaveLength(0);
  });

  it("retries any error its thrower marked retryable", async () => {
    const { middleware } = quickRetry();
    const t = await startTarget(
      async (_ctx, n) => {
        if (n === 1) throw failedPrecondition("LOCKED", "locked for now", { retryable: true });
        return "unlocked";
      },
      [middleware],
    );
    expect(await t.app.client(target).idem({})).toBe("unlocked");
    expect(t.count("target.idem")).toBe(2);
  });
});

describe("retry: how many times and how long", () => {
  it("stops after `attempts` in all and returns the last error", async () => {
    const { middleware, events } = quickRetry({ attempts: 4 });
    const t = await startTarget(
      async (_ctx, n) => {
        throw unavailable(`FAIL_${n}`, `attempt ${n}`);
      },
      [middleware],
    );
    const e = await failure(t.app.client(target).idem({}));
    expect(e.reason).toBe("FAIL_4");
    expect(t.count("target.idem")).toBe(4);
    expect(events.map((x) => x.attempt)).toEqual([1, 2, 3]);
  });

  it("makes 5 attempts in all by default", async () => {
    const { middleware, events } = quickRetry();
    const t = await startTarget(
      async (_ctx, n) => {
        throw unavailable(`FAIL_${n}`, `attempt ${n}`);
      },
      [middleware],
    );
    const e = await failure(t.app.client(target).idem({}, { timeout: "5s" }));
    expect(e.reason).toBe("FAIL_5");
    expect(t.count("target.idem")).toBe(5);
    expect(events.map((x) => x.attempt)).toEqual([1, 2, 3, 4]);
  });

  it("caps the default backoff at 2 s", async () => {
    const controller = new AbortController();
    const waits: number[] = [];
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [
      // Waits 0.0015 ms, 1.5 ms, then 1,500 ms (under the 2 s cap): the call is cancelled at the
      // third retry, so the test never sleeps that long.
      retry({
        backoff: { initial: 0.0015, multiplier: 1000, jitter: "none" },
        onRetry: ({ waitMs }) => {
          waits.push(waitMs);
          if (waits.length === 3) controller.abort();
        },
      }),
    ]);
    await failure(t.app.client(target).idem({}, { timeout: "30s", signal: controller.signal }));
    expect(waits).toEqual([0.0015, 1.5, 1500]);
    const capped = exponentialBackoff({ initial: 10_000, jitter: "none" });
    expect(capped(1)).toBe(2000);
  });

  it("makes one attempt only with attempts: 1", async () => {
    const { middleware } = quickRetry({ attempts: 1 });
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [middleware]);
    await failure(t.app.client(target).idem({}));
    expect(t.count("target.idem")).toBe(1);
  });

  it("refuses an attempts value that is not a whole number >= 1", () => {
    for (const attempts of [0, -1, 1.5, Number.NaN]) {
      expect(() => retry({ attempts })).toThrow(RangeError);
    }
  });

  it("waits what the backoff says, numbering retries from 1", async () => {
    const asked: number[] = [];
    const { middleware, events } = quickRetry({
      attempts: 4,
      backoff: (attempt) => {
        asked.push(attempt);
        return attempt * 2;
      },
    });
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [middleware]);
    await failure(t.app.client(target).idem({}));
    expect(asked).toEqual([1, 2, 3]);
    expect(events.map((e) => e.waitMs)).toEqual([2, 4, 6]);
  });
});

describe("retry: deadlines and cancellation", () => {
  it("starts every attempt before the caller's deadline", async () => {
    const recorder = attemptRecorder();
    const watcher = settleWatcher();
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [
      watcher.middleware,
      retry({ attempts: 10_000, backoff: { initial: 20, max: 20, jitter: "none" } }),
      recorder.middleware,
    ]);
    const e = await failure(t.app.client(target).idem({}, { timeout: 400 }));
    expect(["UNAVAILABLE", "DEADLINE_EXCEEDED"]).toContain(e.code);
    const settled = await watcher.settled;
    expect(settled.ok).toBe(false);
    expect(recorder.attempts.length).toBeGreaterThan(1);
    for (const a of recorder.attempts) expect(a.at).toBeLessThan(a.deadline);
    expect(t.count("target.idem")).toBe(recorder.attempts.length);
  });

  it("returns the last error at once when the next wait would cross the deadline", async () => {
    const { middleware, events } = quickRetry({ backoff: () => 60_000 });
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [middleware]);
    // Waiting would have ended in DEADLINE_EXCEEDED after 5 s; retry gives up before waiting.
    const e = await failure(t.app.client(target).idem({}, { timeout: "5s" }));
    expect(e).toMatchObject({ code: "UNAVAILABLE", reason: "DOWN" });
    expect(events).toEqual([]);
    expect(t.count("target.idem")).toBe(1);
  });

  it("starts no attempt after the deadline even when the event loop stalls during a wait", async () => {
    const recorder = attemptRecorder();
    const watcher = settleWatcher();
    let deadline = 0;
    const t = await startTarget(
      async (ctx: CallContext) => {
        deadline = ctx.deadline;
        throw unavailable("DOWN", "down");
      },
      [
        watcher.middleware,
        retry({
          attempts: 10,
          backoff: () => 50,
          // Something else holds the CPU past the deadline just as retry's wait ends: a timer
          // of the same length set just before the wait runs first (timers are FIFO per length).
          onRetry: ({ waitMs }) => {
            setTimeout(() => stall(deadline + 20), waitMs);
          },
        }),
        recorder.middleware,
      ],
    );
    const e = await failure(t.app.client(target).idem({}, { timeout: 300 }));
    expect(["UNAVAILABLE", "DEADLINE_EXCEEDED"]).toContain(e.code);
    await watcher.settled;
    for (const a of recorder.attempts) expect(a.at).toBeLessThan(a.deadline);
    expect(t.count("target.idem")).toBe(1);
  });

  it("stops waiting when the caller cancels the call", async () => {
    const controller = new AbortController();
    const watcher = settleWatcher();
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [
      watcher.middleware,
      retry({
        // A wait far longer than any test: only the abort can end it.
        backoff: () => 200_000,
        onRetry: () => {
          setTimeout(() => controller.abort(), 10);
        },
      }),
    ]);
    // Within the default maxCallTimeout (5 min), and longer than the wait.
    const call = t.app.client(target).idem({}, { timeout: "4m", signal: controller.signal });
    const e = await failure(call);
    expect(e).toMatchObject({ code: "CANCELLED", reason: "CALL_CANCELLED" });
    const settled = await watcher.settled;
    expect(settled).toMatchObject({ ok: false, error: { code: "CANCELLED" } });
    expect(t.count("target.idem")).toBe(1);
  });
});
