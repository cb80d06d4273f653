/**
 * What serialize mode adds to the call path: every input, output and error makes a codec round
 * trip, exactly as over a network, so a test in one process is never more forgiving than a split.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { uniqueName } from "../testing/unique-name.js";
import { type App, createApp, defineApp } from "./app.js";
import type { ConfigInput } from "./config.js";
import type { CallContext } from "./context.js";
import { defineService, method } from "./contract.js";
import { invalidArgument, isWeftError, type WeftError } from "./errors.js";
import { createLocalTransport } from "./local-transport.js";
import type { Logger } from "./logger.js";

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silent,
};

async function failure(promise: Promise<unknown>): Promise<WeftError> {
  try {
    await promise;
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error("expected the call to fail");
}

const AT = new Date("2024-05-06T07:08:09.010Z");

const events = defineService("events", {
  when: method({ input: z.object({}), output: z.object({ at: z.date() }) }),
  echo: method({ input: z.unknown(), output: z.unknown() }),
  fail: method({ input: z.object({}), output: z.void() }),
  big: method({ input: z.object({ size: z.number() }), output: z.string() }),
  odd: method({ input: z.object({}), output: z.unknown() }),
});

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  format() {
    return `${this.amount} ${this.currency}`;
  }
}

let echoed: unknown;
const impl = events.implement({
  async when() {
    return { at: AT };
  },
  async echo(_ctx, input) {
    echoed = input;
    return input;
  },
  async big(_ctx, { size }) {
    return "z".repeat(size);
  },
  async odd() {
    return { n: 1n };
  },
  async fail() {
    throw invalidArgument("ORDER_INVALID", "order o1 is invalid", {
      metadata: { orderId: "o1" },
      issues: [{ path: ["items", 0, "qty"], message: "must be > 0" }],
      cause: new Error("db said no"),
    });
  },
});

const apps: App[] = [];
afterEach(async () => {
  echoed = undefined;
  await Promise.all(apps.splice(0).map((app) => app.stop({ grace: 0 })));
});

async function start(serialize: boolean, config: ConfigInput = {}): Promise<App> {
  const app = createApp(defineApp({ name: uniqueName("wire"), services: [impl] }), {
    env: {},
    logger: silent,
    config: { serialize, ...config },
  });
  apps.push(app);
  await app.start();
  return app;
}

describe("serialize mode", () => {
  it("turns a Date in an output into its ISO string, as a network would", async () => {
    const app = await start(true);
    const out = await app.client(events).when({});
    expect(out.at).toBe("2024-05-06T07:08:09.010Z");
  });

  it("without serialization, the Date object itself reaches the caller", async () => {
    const app = await start(false);
    expect((await app.client(events).when({})).at).toBe(AT);
  });

  it("gives the callee a copy of the input with class instances flattened", async () => {
    const app = await start(true);
    const input = { price: new Money(5, "EUR"), at: AT, skipped: undefined };
    const out = (await app.client(events).echo(input)) as Record<string, unknown>;
    expect(echoed).not.toBe(input);
    expect(echoed).toEqual({ price: { amount: 5, currency: "EUR" }, at: AT.toISOString() });
    expect((echoed as { price: unknown }).price).not.toBeInstanceOf(Money);
    expect(out).toEqual(echoed);
  });

  it("refuses an input over maxPayload with RESOURCE_EXHAUSTED naming the limit", async () => {
    const app = await start(true, { maxPayload: 2048 });
    const e = await failure(app.client(events).echo("x".repeat(4096)));
    expect(e.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.reason).toBe("PAYLOAD_TOO_LARGE");
    expect(e.metadata).toMatchObject({ limit: "maxPayload", maxBytes: "2048" });
    expect(Number(e.metadata.bytes)).toBeGreaterThan(2048);
    expect(e.message).toContain("maxPayload");
    expect(e.mayHaveRun).toBe(false);
    expect(e.retryable).toBe(false);
    expect(echoed).toBeUndefined();
  });

  it("refuses an output over maxPayload with RESOURCE_EXHAUSTED, saying it may have run", async () => {
    const app = await start(true, { maxPayload: "1KiB" });
    const e = await failure(app.client(events).big({ size: 2000 }));
    expect(e.code).toBe("RESOURCE_EXHAUSTED");
    expect(e.metadata).toMatchObject({ limit: "maxPayload", maxBytes: "1024" });
    expect(e.message).toContain("output of events.big");
    expect(e.mayHaveRun).toBe(true);
    expect(await app.client(events).big({ size: 100 })).toHaveLength(100);
  });

  it("refuses an output the codec cannot encode with INTERNAL, saying it may have run", async () => {
    const app = await start(true);
    const e = await failure(app.client(events).odd({}));
    expect(e.code).toBe("INTERNAL");
    expect(e.reason).toBe("OUTPUT_NOT_ENCODABLE");
    expect(e.mayHaveRun).toBe(true);
  });

  it("keeps code, reason, message, metadata and issues of an error, and drops its cause", async () => {
    const app = await start(true);
    const e = await failure(app.client(events).fail({}));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.reason).toBe("ORDER_INVALID");
    expect(e.message).toBe("order o1 is invalid");
    expect(e.metadata).toEqual({ orderId: "o1" });
    expect(e.issues).toEqual([{ path: ["items", 0, "qty"], message: "must be > 0" }]);
    expect(e.cause).toBeUndefined();
  });

  it("refuses an input the codec cannot encode with INVALID_ARGUMENT", async () => {
    const app = await start(true);
    const e = await failure(app.client(events).echo({ n: 10n }));
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.reason).toBe("INPUT_NOT_ENCODABLE");
    expect(echoed).toBeUndefined();
  });
});

describe("createLocalTransport", () => {
  it("refuses calls until it serves a host", async () => {
    const transport = createLocalTransport();
    expect(transport.name).toBe("local");
    expect(createLocalTransport({ serialize: true }).name).toBe("local (serialized)");
    const ctx = { service: "events", method: "echo" } as CallContext;
    const e = await failure(transport.call(ctx, {}));
    expect(e.code).toBe("UNAVAILABLE");
    expect(e.reason).toBe("NOT_RUNNING");
  });
});
