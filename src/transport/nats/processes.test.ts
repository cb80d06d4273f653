/**
 * The NATS transport between real processes: each group of an app runs in its own child process
 * (`weft start <module> --group G`, as in production) on the shared NATS server, and the test
 * process calls them. Errors, context and principals must survive the trip; SIGTERM must drain.
 */
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, isRetryableByDefault, type WeftError } from "../../core/index.js";
import { unreachable } from "../../testing/services.js";
import { type SplitHarness, startSplit } from "../../testing/split-harness.js";
import { createEchoApp, echo } from "./fixtures/echo-app.js";
import { createProbeApp, hop, probe } from "./fixtures/probe-app.js";
import {
  failure,
  type Outcome,
  runLoad,
  SHARED_NATS,
  startNatsApp,
  stopNatsApps,
  waitFor,
} from "./fixtures/support.js";

const skip = await unreachable("nats");

const KEY = "principal-key-shared-by-all-processes-0123";
const probeModule = fileURLToPath(new URL("./fixtures/probe-app.ts", import.meta.url));
const echoModule = fileURLToPath(new URL("./fixtures/echo-app.ts", import.meta.url));

describe.skipIf(skip)("NATS between processes: errors, context, principals", () => {
  let split: SplitHarness;

  beforeAll(async () => {
    split = await startSplit({
      module: probeModule,
      definition: createProbeApp(),
      natsUrl: SHARED_NATS,
      env: { WEFT_PRINCIPAL_KEY: KEY },
      // No retries or circuit breaking in the test process: errors arrive exactly as sent.
      appOptions: { config: { principalKey: KEY }, resilience: [] },
    });
  }, 90_000);

  afterAll(async () => {
    await split?.stop();
  }, 60_000);

  it("runs each group in its own process", async () => {
    const seen = await split.client(hop).see({});
    const pids = split.processes.map((p) => p.pid);
    expect(pids).toContain(seen.hop.pid);
    expect(pids).toContain(seen.probe.pid);
    expect(new Set([seen.hop.pid, seen.probe.pid, process.pid]).size).toBe(3);
  });

  it("carries any error across with code, reason, message, metadata, issues and mayHaveRun", async () => {
    const specs = fc.record({
      code: fc.constantFrom(...ERROR_CODES),
      reason: fc.string({ minLength: 1, maxLength: 40 }),
      message: fc.string({ unit: "binary", maxLength: 200 }),
      metadata: fc.dictionary(
        fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,15}$/),
        fc.string({ unit: "binary", maxLength: 40 }),
        { maxKeys: 5 },
      ),
      issues: fc.array(
        fc.record({
          path: fc.array(fc.oneof(fc.string({ maxLength: 10 }), fc.nat(100)), { maxLength: 4 }),
          message: fc.string({ maxLength: 40 }),
        }),
        { maxLength: 3 },
      ),
      retryable: fc.option(fc.boolean(), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(specs, async (spec) => {
        const e = await failure(split.client(probe).fail(spec));
        expect(e).toMatchObject({
          code: spec.code,
          reason: spec.reason,
          message: spec.message,
          metadata: spec.metadata,
          issues: spec.issues,
          retryable: spec.retryable ?? isRetryableByDefault(spec.code),
          // The handler threw: its code ran, so the caller cannot assume nothing happened.
          mayHaveRun: true,
        });
      }),
      { numRuns: 40 },
    );
  });

  it("carries an error through two hops unchanged", async () => {
    const spec = {
      code: "FAILED_PRECONDITION" as const,
      reason: "STOCK_TOO_LOW",
      message: "only 2 left of sku-1",
      metadata: { sku: "sku-1", left: "2" },
      issues: [{ path: ["items", 0, "qty"], message: "more than in stock" }],
    };
    const e = await failure(split.client(hop).fail(spec));
    expect(e).toMatchObject({ ...spec, mayHaveRun: true, retryable: false });
  });

  it("hides what an unexpected exception said: INTERNAL with a generic message", async () => {
    const e = await failure(split.client(probe).crash({ secret: "db-password-123" }));
    expect(e).toMatchObject({ code: "INTERNAL", reason: "INTERNAL", mayHaveRun: true });
    expect(e.message).not.toContain("db-password-123");
  });

  it("refuses an invalid input with INVALID_ARGUMENT naming field paths, mayHaveRun false", async () => {
    const bad = {
      customer: "",
      items: [
        { sku: "a", qty: 1 },
        { sku: 7, qty: 0 },
      ],
    };
    const e = await failure(split.client(probe).order(bad as never));
    expect(e).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INPUT_INVALID",
      mayHaveRun: false,
    });
    expect(e.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([["customer"], ["items", 1, "sku"], ["items", 1, "qty"]]),
    );
    const empty = await failure(split.client(probe).order({ customer: "c", items: [] }));
    expect(empty.issues.map((i) => i.path)).toEqual([["items"]]);
  });

  it("propagates metadata and the trace id across two hops", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const seen = await split
      .client(hop, {
        metadata: { tenant: "t-1" },
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      })
      .see({}, { metadata: { request: "r-9" } });
    expect(seen.hop.traceId).toBe(traceId);
    expect(seen.probe.traceId).toBe(traceId);
    expect(seen.hop.metadata).toEqual({ tenant: "t-1", request: "r-9" });
    expect(seen.probe.metadata).toEqual({ tenant: "t-1", request: "r-9" });
    expect(seen.probe.parentSpanId).not.toBeNull();
    // The deadline travels too, as time remaining: never more downstream than upstream.
    expect(seen.probe.remainingMs).toBeLessThanOrEqual(seen.hop.remainingMs);
  });

  it("starts one trace per root call when the caller gives none", async () => {
    const a = await split.client(hop).see({});
    const b = await split.client(hop).see({});
    expect(a.probe.traceId).toBe(a.hop.traceId);
    expect(b.probe.traceId).toBe(b.hop.traceId);
    expect(a.hop.traceId).not.toBe(b.hop.traceId);
  });

  it("carries the principal to the remote handler, over two hops, when all share the key", async () => {
    const principal = {
      id: "user-7",
      kind: "user" as const,
      scopes: ["orders:read"],
      claims: { tier: "gold" },
    };
    const seen = await split.client(hop, { principal }).see({});
    expect(seen.hop.principal).toEqual(principal);
    expect(seen.probe.principal).toEqual(principal);
    expect((await split.client(probe).see({})).principal).toBeNull();
  });
});

describe.skipIf(skip)("NATS between processes: SIGTERM drains", () => {
  let split: SplitHarness | undefined;

  afterAll(async () => {
    await stopNatsApps();
    await split?.stop();
  }, 60_000);

  it("finishes every call in flight, refuses new ones with NO_RESPONDERS, and exits 0", async () => {
    split = await startSplit({
      module: echoModule,
      definition: createEchoApp(),
      natsUrl: SHARED_NATS,
      groups: ["back"],
    });
    const child = split.processes[0];
    if (child === undefined) throw new Error("the back group did not start");
    const exited = new Promise<number | null>((resolve) => child.child.once("exit", resolve));
    // A client of our own, to see its connection; no retries, so a refusal shows as it is.
    const { app, transport } = await startNatsApp(createEchoApp(), {
      name: split.app.name,
      servers: SHARED_NATS,
      clientOnly: true,
      resilience: [],
    });
    const client = app.client(echo);
    expect((await client.say({ text: "warm-up" })).pid).toBe(child.pid);

    const inFlight = 20;
    const load = runLoad(inFlight, inFlight, (i) =>
      client.say({ text: `in-flight-${i}`, delayMs: 4000 }, { timeout: "60s" }),
    );
    // Once the server has our requests, it has queued them to the child before anything the
    // child sends after: they are delivered, and taken in, before its intake closes.
    await transport.connection?.flush();
    child.child.kill("SIGTERM");

    // New calls are served until the child's subscription is gone, then refused at once.
    let refusal: WeftError | undefined;
    let servedAfterSignal = 0;
    await waitFor(async () => {
      try {
        await client.say({ text: "late" }, { timeout: "60s" });
        servedAfterSignal += 1;
        return false;
      } catch (e) {
        refusal = e as WeftError;
        return true;
      }
    }, "a call is refused after SIGTERM");
    const childAliveAtRefusal = child.child.exitCode === null;
    expect(refusal).toMatchObject({
      code: "UNAVAILABLE",
      reason: "NO_RESPONDERS",
      mayHaveRun: false,
    });

    const outcomes: Outcome[] = await load.finished;
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed).toEqual([]);
    for (const o of outcomes)
      expect(o.ok && o.value).toMatchObject({ pid: child.pid, aborted: false });
    expect(await exited).toBe(0);
    console.log(
      `SIGTERM drain: ${inFlight} in flight all answered; ${servedAfterSignal} call(s) served after the signal; ` +
        `refused with NO_RESPONDERS while the child was ${childAliveAtRefusal ? "still draining" : "already gone"}; exit 0`,
    );
  }, 90_000);
});
