import { afterEach, describe, expect, it } from "vitest";
import {
  deadlineExceeded,
  internal,
  invalidArgument,
  notFound,
  permissionDenied,
  resourceExhausted,
  unavailable,
  type WeftError,
} from "../core/index.js";
import {
  type CircuitBreakerOptions,
  type CircuitState,
  circuitBreaker,
} from "./circuit-breaker.js";
import {
  type Behaviour,
  deferred,
  failure,
  manualClock,
  other,
  startTarget,
  stopTargets,
  target,
} from "./fixtures/target-app.js";
import { retry } from "./retry.js";

afterEach(stopTargets);

/**
 * A target app behind a circuit breaker with a hand-moved clock. `outcome` says what the next
 * executions do: "ok", or an error to throw.
 */
async function breaker(options: CircuitBreakerOptions = {}) {
  const clock = manualClock();
  const changes: [string, CircuitState][] = [];
  let outcome: () => unknown = () => "ok";
  const behaviour: Behaviour = async () => {
    const result = outcome();
    if (result instanceof Error) throw result;
    return result;
  };
  const t = await startTarget(behaviour, [
    circuitBreaker({
      failureThreshold: 3,
      cooldown: "5s",
      now: clock.now,
      onStateChange: (service, state) => changes.push([service, state]),
      ...options,
    }),
  ]);
  const client = t.app.client(target);
  return {
    ...t,
    clock,
    changes,
    client,
    /** Makes every following execution fail with `make()` or answer "ok". */
    set(make: () => unknown) {
      outcome = make;
    },
    /** Calls `target.idem` `n` times, ignoring how each ends. */
    async calls(n: number) {
      for (let i = 0; i < n; i++) await client.idem({}).catch(() => {});
    },
  };
}

const down = () => unavailable("DOWN", "down");

function expectOpen(e: WeftError, service = "target") {
  expect(e).toMatchObject({
    code: "UNAVAILABLE",
    reason: "CIRCUIT_OPEN",
    mayHaveRun: false,
    retryable: true,
    metadata: { service, cooldownMs: "5000" },
  });
}

describe("circuit breaker", () => {
  it("stays closed below the threshold and opens on the threshold's consecutive failure", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(2);
    expect(b.changes).toEqual([]);
    await b.calls(1);
    expect(b.changes).toEqual([["target", "open"]]);
    expect(b.count("target.idem")).toBe(3);
  });

  it("refuses calls while open without reaching the callee", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(3);
    b.set(() => "ok");
    for (let i = 0; i < 5; i++) expectOpen(await failure(b.client.idem({})));
    expect(b.count("target.idem")).toBe(3);
    b.clock.advance(4999);
    expectOpen(await failure(b.client.idem({})));
    expect(b.count("target.idem")).toBe(3);
  });

  it("counts only consecutive failures: a success in between starts the count again", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(2);
    b.set(() => "ok");
    await b.calls(1);
    b.set(down);
    await b.calls(2);
    expect(b.changes).toEqual([]);
    await b.calls(1);
    expect(b.changes).toEqual([["target", "open"]]);
  });

  it.each([
    ["UNAVAILABLE", down],
    ["DEADLINE_EXCEEDED", () => deadlineExceeded("SLOW", "slow")],
    ["INTERNAL", () => internal("BUG", "bug")],
    ["RESOURCE_EXHAUSTED", () => resourceExhausted("FULL", "full")],
    ["a plain Error (INTERNAL)", () => new Error("boom")],
  ])("counts %s as a failure", async (_name, make) => {
    const b = await breaker();
    b.set(make);
    await b.calls(3);
    expect(b.changes).toEqual([["target", "open"]]);
  });

  it.each([
    ["NOT_FOUND", () => notFound("NO_SUCH", "missing")],
    ["INVALID_ARGUMENT", () => invalidArgument("BAD", "bad")],
    ["PERMISSION_DENIED", () => permissionDenied("NO", "no")],
  ])("does not count %s (a business answer): it resets the count", async (_name, make) => {
    const b = await breaker();
    b.set(make);
    await b.calls(10);
    expect(b.changes).toEqual([]);
    b.set(down);
    await b.calls(2);
    b.set(make);
    await b.calls(1);
    b.set(down);
    await b.calls(2);
    expect(b.changes).toEqual([]);
    expect(b.count("target.idem")).toBe(15);
  });

  it("counts the codes it is told to", async () => {
    const b = await breaker({ failureCodes: ["NOT_FOUND"] });
    b.set(down);
    await b.calls(5);
    expect(b.changes).toEqual([]);
    b.set(() => notFound("NO_SUCH", "missing"));
    await b.calls(3);
    expect(b.changes).toEqual([["target", "open"]]);
  });

  it("lets one probe through after the cooldown; its success closes the circuit", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(3);
    b.clock.advance(5000);
    const gate = deferred();
    let probes = 0;
    b.set(() => {
      probes += 1;
      return gate.promise.then(() => "probed");
    });
    const probe = b.client.idem({});
    await Promise.resolve();
    // While the probe is out, other calls are refused.
    for (let i = 0; i < 3; i++) expectOpen(await failure(b.client.idem({})));
    expect(b.changes.at(-1)).toEqual(["target", "half-open"]);
    gate.resolve();
    expect(await probe).toBe("probed");
    expect(probes).toBe(1);
    expect(b.changes.at(-1)).toEqual(["target", "closed"]);
    expect(await b.client.idem({})).toBe("probed");
    expect(b.changes).toEqual([
      ["target", "open"],
      ["target", "half-open"],
      ["target", "closed"],
    ]);
  });

  it("opens again when the probe fails, for a whole new cooldown", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(3);
    b.clock.advance(5000);
    const e = await failure(b.client.idem({}));
    expect(e.reason).toBe("DOWN");
    expect(b.count("target.idem")).toBe(4);
    expect(b.changes.slice(-2)).toEqual([
      ["target", "half-open"],
      ["target", "open"],
    ]);
    b.set(() => "ok");
    b.clock.advance(4999);
    expectOpen(await failure(b.client.idem({})));
    b.clock.advance(1);
    expect(await b.client.idem({})).toBe("ok");
    expect(b.changes.at(-1)).toEqual(["target", "closed"]);
  });

  it("closes when the probe gets a business error: the callee answered", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(3);
    b.clock.advance(5000);
    b.set(() => notFound("NO_SUCH", "missing"));
    expect((await failure(b.client.idem({}))).code).toBe("NOT_FOUND");
    expect(b.changes.at(-1)).toEqual(["target", "closed"]);
  });

  it("keeps one circuit per service", async () => {
    const b = await breaker();
    b.set(down);
    await b.calls(3);
    b.set(() => "ok");
    expectOpen(await failure(b.client.idem({})));
    expect(await b.app.client(other).idem({})).toBe("ok");
    expect(b.changes).toEqual([["target", "open"]]);
  });

  it("turns a retry storm into fast refusals once open (retry outside the breaker)", async () => {
    const clock = manualClock();
    const t = await startTarget(async () => {
      throw unavailable("DOWN", "down");
    }, [
      retry({ attempts: 10, backoff: () => 1 }),
      circuitBreaker({ failureThreshold: 3, now: clock.now }),
    ]);
    const e = await failure(t.app.client(target).idem({}));
    // Three attempts reached the callee; the other seven were refused by the open circuit. The
    // caller is told what the callee last said, not only that the circuit is open.
    expect(t.count("target.idem")).toBe(3);
    expect(e.reason).toBe("DOWN");
  });
});
