/**
 * The NATS server failing under the transport: stopped, restarted and paused. Each test runs its
 * own private `nats-server` (the shared one is never touched). Idempotent calls must get through
 * a restart by retrying within their deadline; while the server is gone calls fail fast with
 * UNAVAILABLE; while it is frozen they fail at their deadline, never hang; all recover after.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Logger } from "../../core/index.js";
import { retry } from "../../resilience/index.js";
import { type PrivateNats, startPrivateNats } from "../../testing/private-nats.js";
import { unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { createEchoApp, echo } from "./fixtures/echo-app.js";
import {
  failure,
  failureSummary,
  runLoad,
  startNatsApp,
  stopNatsApps,
  waitFor,
} from "./fixtures/support.js";

const skip = await unreachable("nats");

describe.skipIf(skip)("NATS server faults (private server)", () => {
  let nats: PrivateNats;

  beforeEach(async () => {
    nats = await startPrivateNats();
  });

  afterEach(async () => {
    await stopNatsApps();
    await nats?.stop();
  });

  /** The echo app's back group served here, and a client with the given resilience. */
  async function start(
    resilience?: Parameters<typeof startNatsApp>[1]["resilience"],
    logger?: Logger,
  ) {
    const name = uniqueName("faults");
    const server = await startNatsApp(createEchoApp(), { name, servers: nats.url, group: "back" });
    const client = await startNatsApp(createEchoApp(), {
      name,
      servers: nats.url,
      clientOnly: true,
      ...(resilience === undefined ? {} : { resilience }),
      ...(logger === undefined ? {} : { logger }),
    });
    return { server, client, echo: client.app.client(echo) };
  }

  it("gets every idempotent call through a server restart mid-load, by retrying", async () => {
    const retries: Record<string, number> = {};
    const s = await start([
      retry({
        attempts: 1000,
        backoff: { initial: 20, max: 500 },
        onRetry: ({ error }) => {
          const key = `${(error as { reason?: string }).reason}`;
          retries[key] = (retries[key] ?? 0) + 1;
        },
      }),
    ]);
    const total = 1500;
    const load = runLoad(total, 8, (i) => s.echo.say({ text: `call-${i}` }, { timeout: "30s" }));
    await waitFor(() => load.done >= 200, "200 calls are done");
    await nats.restart(0);
    const doneAtRestart = load.done;
    const outcomes = await load.finished;
    const retried = Object.values(retries).reduce((a, b) => a + b, 0);
    console.log(
      `server restart after ${doneAtRestart}/${total} calls: failed ${JSON.stringify(failureSummary(outcomes))}, ` +
        `retries ${JSON.stringify(retries)}, client events ${JSON.stringify(s.client.transport.events)}, ` +
        `server events ${JSON.stringify(s.server.transport.events)}`,
    );
    expect(failureSummary(outcomes)).toEqual({});
    expect(outcomes.every((o) => o.ok && (o.value as { text: string }).text !== "")).toBe(true);
    expect(retried).toBeGreaterThan(0);
    expect(s.client.transport.events.reconnect ?? 0).toBeGreaterThan(0);
    expect(s.server.transport.events.reconnect ?? 0).toBeGreaterThan(0);
  }, 120_000);

  it("fails calls fast with UNAVAILABLE while the server is down, and recovers when it is back", async () => {
    const s = await start([]);
    expect((await s.echo.say({ text: "before" })).text).toBe("before");
    await nats.kill(0);
    await waitFor(
      () => (s.client.transport.events.disconnect ?? 0) > 0,
      "the client notices the server is gone",
    );
    // A minute of timeout: a call waiting for the server would show as DEADLINE_EXCEEDED.
    const errors = await Promise.all(
      [1, 2, 3].map((i) => failure(s.echo.say({ text: `down-${i}` }, { timeout: "60s" }))),
    );
    for (const e of errors)
      expect(e).toMatchObject({ code: "UNAVAILABLE", mayHaveRun: false, retryable: true });
    await nats.start(0);
    await waitFor(
      async () => {
        try {
          return (await s.echo.say({ text: "back" }, { timeout: "5s" })).text === "back";
        } catch {
          return false;
        }
      },
      "calls succeed again after the server is back",
      30_000,
    );
    const again = await Promise.all([1, 2, 3, 4, 5].map((i) => s.echo.say({ text: `after-${i}` })));
    expect(again.map((r) => r.text)).toEqual([
      "after-1",
      "after-2",
      "after-3",
      "after-4",
      "after-5",
    ]);
  }, 60_000);

  it("fails calls at once with NOT_CONNECTED during an outage under load (default retries), and logs it", async () => {
    const lines: { level: string; msg: string }[] = [];
    const log =
      (level: string) =>
      (a: unknown, b?: string): void => {
        lines.push({ level, msg: typeof a === "string" ? a : (b ?? "") });
      };
    const logger: Logger = {
      trace: log("trace"),
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      fatal: log("fatal"),
      child: () => logger,
    };
    // The weft defaults (retries, circuit breaker), as an app would have them.
    const s = await start(undefined, logger);
    const deadlineMs = 60_000;
    const load = runLoad(3000, 8, (i) =>
      s.echo.say({ text: `call-${i}` }, { timeout: deadlineMs }),
    );
    await waitFor(() => load.done >= 200, "200 calls are done");
    await nats.kill(0);
    const killedAt = Date.now();
    // Held calls would finish only at their deadlines: a minute each, 8 at a time.
    const outcomes = await load.finished;
    const elapsed = Date.now() - killedAt;
    const failed = outcomes.filter((o) => !o.ok);
    console.log(
      `outage under load: ${failed.length} calls failed in ${elapsed} ms: ${JSON.stringify(failureSummary(outcomes))}`,
    );
    expect(elapsed).toBeLessThan(deadlineMs / 2);
    const last = failed.at(-1);
    expect(last?.ok === false && last.error).toMatchObject({
      code: "UNAVAILABLE",
      reason: "NOT_CONNECTED",
      mayHaveRun: false,
    });
    expect(lines).toContainEqual({
      level: "warn",
      msg: expect.stringMatching(/lost the connection to NATS/),
    });
    await nats.start(0);
    await waitFor(
      () => lines.some((l) => l.level === "info" && /reconnected to NATS/.test(l.msg)),
      "the reconnect is logged",
      30_000,
    );
    expect((await s.echo.say({ text: "back" })).text).toBe("back");
  }, 90_000);

  it("fails calls within their deadline while the server is paused, and recovers after resume", async () => {
    // The weft defaults (retries, circuit breaker), as an app would have them.
    const s = await start();
    expect((await s.echo.say({ text: "before" })).text).toBe("before");
    await nats.pause(0);
    try {
      const calls = [1, 2, 3, 4].map((i) =>
        failure(s.echo.say({ text: `frozen-${i}` }, { timeout: "2s" })),
      );
      const errors = await Promise.all(calls);
      for (const e of errors) {
        expect(["DEADLINE_EXCEEDED", "UNAVAILABLE"]).toContain(e.code);
      }
    } finally {
      nats.resume(0);
    }
    await waitFor(
      async () => {
        try {
          return (await s.echo.say({ text: "thawed" }, { timeout: "5s" })).text === "thawed";
        } catch {
          return false;
        }
      },
      "calls succeed again after resume",
      30_000,
    );
    const load = runLoad(50, 8, (i) => s.echo.say({ text: `after-${i}` }));
    expect(failureSummary(await load.finished)).toEqual({});
  }, 60_000);
});
