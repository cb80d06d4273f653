/**
 * The NATS transport's call semantics, against the shared NATS server, with every app in this
 * process (each test uses its own app name, so subjects never collide). Behaviour that is about
 * processes is in `processes.test.ts`; faults of the server itself are in `faults.test.ts`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type CallContext,
  defineApp,
  defineService,
  method,
  unavailable,
  type WeftError,
} from "../../core/index.js";
import { retry } from "../../resilience/index.js";
import { unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { echo, relay } from "./fixtures/echo-app.js";
import { createProbeApp, probe } from "./fixtures/probe-app.js";
import { failure, SHARED_NATS, startNatsApp, stopNatsApps, waitFor } from "./fixtures/support.js";

const skip = await unreachable("nats");

afterEach(stopNatsApps);

/** What the echo handler of {@link recordingEchoApp} saw, by input text. */
interface EchoRecord {
  remainingMs: number;
  deadline: number;
  aborted: boolean;
  abortedAt: number | undefined;
  reason: WeftError | undefined;
}

/**
 * The echo app's contracts with handlers that record what they saw, so a test can read the
 * callee's side even when the caller gave up before the answer came.
 */
function recordingEchoApp() {
  const records = new Map<string, EchoRecord>();
  const relayErrors = new Map<string, WeftError>();
  const definition = defineApp({
    name: "echo",
    services: [
      echo.implement({
        async say(ctx, { text, delayMs }) {
          const remainingMs = ctx.remaining();
          let abortedAt: number | undefined;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delayMs);
            ctx.signal.addEventListener("abort", () => {
              abortedAt = Date.now();
              clearTimeout(timer);
              resolve();
            });
          });
          records.set(text, {
            remainingMs,
            deadline: ctx.deadline,
            aborted: ctx.signal.aborted,
            abortedAt,
            reason: ctx.signal.reason as WeftError | undefined,
          });
          // Aborted: answer only well after the deadline, as a callee that ignores it would. (An
          // answer sent at the deadline itself could reach a busy caller before its own timer.)
          if (ctx.signal.aborted) await new Promise((r) => setTimeout(r, 1_000));
          return { text, pid: process.pid, remainingMs, aborted: ctx.signal.aborted };
        },
      }),
      relay.implement({
        async say(ctx, input) {
          try {
            return { ...(await ctx.client(echo).say(input)), relayPid: process.pid };
          } catch (e) {
            relayErrors.set(input.text, e as WeftError);
            throw e;
          }
        },
      }),
    ],
    groups: { front: ["relay"], back: ["echo"] },
  });
  return { definition, records, relayErrors };
}

describe.skipIf(skip)("NATS transport: calls", () => {
  it("answers UNAVAILABLE NO_RESPONDERS at once when no process serves the service", async () => {
    const name = uniqueName("noresp");
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
      resilience: [],
    });
    // A 60 s timeout: had the call waited for one, this would be DEADLINE_EXCEEDED after 60 s.
    const e = await failure(app.client(probe).see({}, { timeout: "60s" }));
    expect(e).toMatchObject({
      code: "UNAVAILABLE",
      reason: "NO_RESPONDERS",
      mayHaveRun: false,
      retryable: true,
      metadata: { service: "probe" },
    });
  });

  it("answers NO_RESPONDERS after retrying it, for a non-idempotent method too", async () => {
    const name = uniqueName("noresp");
    let retries = 0;
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
      resilience: [retry({ attempts: 3, onRetry: () => retries++ })],
    });
    // Not idempotent, but NO_RESPONDERS says the callee never ran: retrying is safe.
    const e = await failure(
      app.client(probe).order({ customer: "c", items: [] }, { timeout: "60s" }),
    );
    expect(e).toMatchObject({ code: "UNAVAILABLE", reason: "NO_RESPONDERS", mayHaveRun: false });
    expect(retries).toBe(2);
  });

  it("returns what the remote handler returned", async () => {
    const name = uniqueName("calls");
    await startNatsApp(createProbeApp(), { name, servers: SHARED_NATS, group: "back" });
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    const lines = await app.client(probe).order({
      customer: "ada",
      items: [
        { sku: "a", qty: 1 },
        { sku: "b", qty: 2 },
      ],
    });
    expect(lines).toEqual({ lines: 2 });
    const seen = await app.client(probe).see({});
    expect(seen.idempotent).toBe(true);
  });

  it("refuses an invalid input with INVALID_ARGUMENT naming every bad field, before running", async () => {
    const name = uniqueName("invalid");
    await startNatsApp(createProbeApp(), { name, servers: SHARED_NATS, group: "back" });
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    const bad = {
      customer: "",
      items: [
        { sku: "a", qty: 1 },
        { sku: 5, qty: -1 },
      ],
    };
    const e = await failure(app.client(probe).order(bad as never));
    expect(e).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "INPUT_INVALID",
      mayHaveRun: false,
    });
    expect(e.issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([["customer"], ["items", 1, "sku"], ["items", 1, "qty"]]),
    );
    expect(e.message).toContain("items[1].qty");
  });
});

describe.skipIf(skip)("NATS transport: deadlines", () => {
  it("gives the callee the caller's remaining time, and a live signal within it", async () => {
    const name = uniqueName("deadline");
    const echoApp = recordingEchoApp();
    await startNatsApp(echoApp.definition, { name, servers: SHARED_NATS, group: "back" });
    await startNatsApp(echoApp.definition, { name, servers: SHARED_NATS, group: "front" });
    const { app } = await startNatsApp(echoApp.definition, {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    const out = await app.client(relay).say({ text: "quick", delayMs: 0 }, { timeout: "20s" });
    expect(out.aborted).toBe(false);
    const record = echoApp.records.get("quick");
    expect(record?.remainingMs).toBeGreaterThan(0);
    expect(record?.remainingMs).toBeLessThanOrEqual(20_000);
  });

  it("aborts the callee's signal at the deadline two hops away; the caller gets DEADLINE_EXCEEDED", async () => {
    const name = uniqueName("deadline");
    const echoApp = recordingEchoApp();
    await startNatsApp(echoApp.definition, { name, servers: SHARED_NATS, group: "back" });
    await startNatsApp(echoApp.definition, { name, servers: SHARED_NATS, group: "front" });
    const { app } = await startNatsApp(echoApp.definition, {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    const timeoutMs = 1500;
    // echo would wait a minute; only the propagated deadline can stop it.
    const e = await failure(
      app.client(relay).say({ text: "slow", delayMs: 60_000 }, { timeout: timeoutMs }),
    );
    expect(e).toMatchObject({ code: "DEADLINE_EXCEEDED", mayHaveRun: true });
    await waitFor(() => echoApp.records.has("slow"), "echo saw its deadline pass");
    const record = echoApp.records.get("slow") as EchoRecord;
    expect(record.remainingMs).toBeGreaterThan(0);
    expect(record.remainingMs).toBeLessThanOrEqual(timeoutMs);
    expect(record.aborted).toBe(true);
    expect(record.reason).toMatchObject({ code: "DEADLINE_EXCEEDED" });
    // Aborted at its deadline, never before.
    expect(record.abortedAt).toBeGreaterThanOrEqual(record.deadline);
    // relay, in between, saw its own call to echo time out as well.
    await waitFor(() => echoApp.relayErrors.has("slow"), "relay saw its call fail");
    expect(echoApp.relayErrors.get("slow")?.code).toBe("DEADLINE_EXCEEDED");
  });

  it("stops a call at the caller's deadline even when the callee never answers", async () => {
    const name = uniqueName("deadline");
    const echoApp = recordingEchoApp();
    await startNatsApp(echoApp.definition, { name, servers: SHARED_NATS, group: "back" });
    const { app } = await startNatsApp(echoApp.definition, {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    const e = await failure(
      app.client(echo).say({ text: "direct", delayMs: 60_000 }, { timeout: 500 }),
    );
    expect(e).toMatchObject({ code: "DEADLINE_EXCEEDED", mayHaveRun: true });
    await waitFor(() => echoApp.records.has("direct"), "echo saw its deadline pass");
    expect(echoApp.records.get("direct")).toMatchObject({ aborted: true });
  });
});

/** A service whose handlers fail with UNAVAILABLE after running, counting executions. */
const flaky = defineService("flaky", {
  idem: method({ input: z.object({ failures: z.number() }), output: z.number(), idempotent: true }),
  once: method({ input: z.object({ failures: z.number() }), output: z.number() }),
});

function flakyApp() {
  const executions = { idem: 0, once: 0 };
  const run =
    (which: "idem" | "once") =>
    async (_ctx: CallContext, { failures }: { failures: number }) => {
      executions[which] += 1;
      if (executions[which] <= failures) {
        throw unavailable("BACKEND_LOST", `${which} ran, then lost its backend`);
      }
      return executions[which];
    };
  const definition = defineApp({
    name: "flaky",
    services: [flaky.implement({ idem: run("idem"), once: run("once") })],
  });
  return { definition, executions };
}

describe.skipIf(skip)("NATS transport: retries (the weft defaults)", () => {
  async function start() {
    const name = uniqueName("flaky");
    const f = flakyApp();
    await startNatsApp(f.definition, { name, servers: SHARED_NATS });
    const { app } = await startNatsApp(f.definition, {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
    });
    return { ...f, client: app.client(flaky) };
  }

  it("never retries a non-idempotent method whose handler ran: exactly one execution", async () => {
    const f = await start();
    const e = await failure(f.client.once({ failures: 100 }));
    expect(e).toMatchObject({ code: "UNAVAILABLE", reason: "BACKEND_LOST", mayHaveRun: true });
    expect(f.executions.once).toBe(1);
  });

  it("retries an idempotent method: more than one execution, and success when it recovers", async () => {
    const f = await start();
    expect(await f.client.idem({ failures: 2 })).toBe(3);
    expect(f.executions.idem).toBe(3);
  });

  it("retries an idempotent method until its deadline, then reports the callee's error", async () => {
    const f = await start();
    const e = await failure(f.client.idem({ failures: 100 }, { timeout: "1500ms" }));
    // The breaker opens after 5 failures and pauses further attempts; the caller still learns
    // what the callee said, not just that the circuit is open.
    expect(e).toMatchObject({ code: "UNAVAILABLE", reason: "BACKEND_LOST", mayHaveRun: true });
    expect(f.executions.idem).toBe(5);
  });
});

describe.skipIf(skip)("NATS transport: payload limits", () => {
  /** A probe server and a client, each with its own maxPayload. */
  async function start(limits: { server?: number; client?: number }) {
    const name = uniqueName("limits");
    await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      group: "back",
      ...(limits.server === undefined ? {} : { config: { maxPayload: limits.server } }),
    });
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
      ...(limits.client === undefined ? {} : { config: { maxPayload: limits.client } }),
    });
    return { client: app.client(probe) };
  }

  const bigOrder = (bytes: number) => ({
    customer: "x".repeat(bytes),
    items: [{ sku: "a", qty: 1 }],
  });

  it("refuses an input over the caller's maxPayload before sending it", async () => {
    const { client } = await start({ client: 2048 });
    expect(await client.order(bigOrder(1000))).toEqual({ lines: 1 });
    const e = await failure(client.order(bigOrder(3000)));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      mayHaveRun: false,
      retryable: false,
      metadata: { limit: "maxPayload", maxBytes: "2048" },
    });
  });

  it("refuses an input over the callee's maxPayload, mayHaveRun false, and keeps serving", async () => {
    const { client } = await start({ server: 2048 });
    const e = await failure(client.order(bigOrder(3000)));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      mayHaveRun: false,
      metadata: { limit: "maxPayload", maxBytes: "2048" },
    });
    // The callee keeps serving calls within its limit.
    expect(await client.order(bigOrder(100))).toEqual({ lines: 1 });
  });

  it("answers an output over the callee's maxPayload with RESOURCE_EXHAUSTED, mayHaveRun true", async () => {
    const { client } = await start({ server: 2048 });
    expect(await client.big({ bytes: 1000 })).toHaveLength(1000);
    const e = await failure(client.big({ bytes: 3000 }));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      mayHaveRun: true,
      metadata: { limit: "maxPayload", maxBytes: "2048" },
    });
    expect(await client.big({ bytes: 10 })).toBe("x".repeat(10));
  });

  it("refuses an input over the NATS server's max_payload with the limit named", async () => {
    // The shared server keeps NATS's default of 1 MiB; the app allows more.
    const { client } = await start({ client: 8 * 1024 * 1024, server: 8 * 1024 * 1024 });
    const e = await failure(client.order(bigOrder(2 * 1024 * 1024)));
    expect(e).toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      reason: "PAYLOAD_TOO_LARGE",
      mayHaveRun: false,
      metadata: { limit: "maxPayload" },
    });
    expect(Number(e.metadata.maxBytes)).toBeLessThanOrEqual(1024 * 1024);
  });
});

describe.skipIf(skip)("NATS transport: principals", () => {
  const KEY = "k".repeat(40);
  const principal = { id: "u-1", kind: "user" as const, scopes: ["orders:write"] };

  async function start(keys: { server?: string; client?: string }) {
    const name = uniqueName("principal");
    await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      group: "back",
      ...(keys.server === undefined ? {} : { config: { principalKey: keys.server } }),
    });
    const { app } = await startNatsApp(createProbeApp(), {
      name,
      servers: SHARED_NATS,
      clientOnly: true,
      ...(keys.client === undefined ? {} : { config: { principalKey: keys.client } }),
    });
    return app;
  }

  it("reaches the remote handler when both sides share the principal key", async () => {
    const app = await start({ server: KEY, client: KEY });
    const seen = await app.client(probe, { principal }).see({});
    expect(seen.principal).toEqual(principal);
    expect((await app.client(probe).see({})).principal).toBeNull();
  });

  it("does not travel when no key is configured", async () => {
    const app = await start({});
    const seen = await app.client(probe, { principal }).see({});
    expect(seen.principal).toBeNull();
  });

  it("is refused with UNAUTHENTICATED when signed with another key", async () => {
    const app = await start({ server: KEY, client: "z".repeat(40) });
    const e = await failure(app.client(probe, { principal }).see({}));
    expect(e).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "PRINCIPAL_INVALID",
      mayHaveRun: false,
    });
    // Calls without a principal are unaffected.
    expect((await app.client(probe).see({})).principal).toBeNull();
  });

  it("is refused with UNAUTHENTICATED by a callee that has no key", async () => {
    const app = await start({ client: KEY });
    const e = await failure(app.client(probe, { principal }).see({}));
    expect(e).toMatchObject({
      code: "UNAUTHENTICATED",
      reason: "PRINCIPAL_INVALID",
      mayHaveRun: false,
    });
  });
});
