import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { uniqueName } from "../testing/unique-name.js";
import { type App, type AppHooks, type AppState, createApp, defineApp } from "./app.js";
import { ConfigError } from "./config.js";
import type { CallContext } from "./context.js";
import { defineService, method } from "./contract.js";
import { isWeftError, type WeftError } from "./errors.js";
import type { Logger } from "./logger.js";
import type { Transport } from "./transport.js";

const silent: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => silent,
};

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function failure(promise: Promise<unknown>): Promise<WeftError> {
  try {
    await promise;
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error("expected a failure");
}

const anyMethod = { input: z.unknown(), output: z.unknown() };
const alpha = defineService("alpha", { run: method(anyMethod) });
const beta = defineService("beta", { run: method(anyMethod) });

type Run = (ctx: CallContext, input: unknown) => Promise<unknown>;

const apps: App[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.stop({ grace: 0 })));
});

function make(
  options: { runAlpha?: Run; runBeta?: Run; hooks?: AppHooks; serialize?: boolean } = {},
): App {
  const app = createApp(
    defineApp({
      name: uniqueName("life"),
      services: [
        alpha.implement({ run: options.runAlpha ?? (async () => "alpha") }),
        beta.implement({ run: options.runBeta ?? (async () => "beta") }),
      ],
      ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    }),
    { env: {}, logger: silent, config: { serialize: options.serialize ?? false } },
  );
  apps.push(app);
  return app;
}

function recordStates(app: App): AppState[] {
  const states: AppState[] = [app.state];
  app.onStateChange((s) => states.push(s));
  return states;
}

describe("lifecycle", () => {
  it("goes created → starting → running → draining → stopped", async () => {
    const app = make();
    const states = recordStates(app);
    expect(app.ready).toBe(false);
    await app.start();
    expect(app.state).toBe("running");
    expect(app.ready).toBe(true);
    const report = await app.stop();
    expect(report).toEqual({ drained: true, abandoned: 0 });
    expect(app.ready).toBe(false);
    expect(states).toEqual(["created", "starting", "running", "draining", "stopped"]);
  });

  it("runs hooks in order, each seeing the state it runs in", async () => {
    const seen: string[] = [];
    const hook = (name: string) => (app: App) => {
      seen.push(`${name}:${app.state}`);
    };
    const app = make({
      hooks: {
        beforeStart: hook("beforeStart"),
        afterStart: hook("afterStart"),
        beforeStop: hook("beforeStop"),
        afterStop: hook("afterStop"),
      },
    });
    await app.start();
    await app.stop();
    expect(seen).toEqual([
      "beforeStart:starting",
      "afterStart:running",
      "beforeStop:draining",
      "afterStop:stopped",
    ]);
  });

  it("refuses to start twice", async () => {
    const app = make();
    await app.start();
    const e = await failure(app.start());
    expect(e.code).toBe("FAILED_PRECONDITION");
    expect(e.reason).toBe("APP_NOT_STARTABLE");
    expect(app.state).toBe("running");
    expect(await app.client(alpha).run({})).toBe("alpha");
  });

  it("refuses to start after stop", async () => {
    const app = make();
    await app.start();
    await app.stop();
    expect((await failure(app.start())).reason).toBe("APP_NOT_STARTABLE");
    expect(app.state).toBe("stopped");
  });

  it("fails when beforeStart throws, and then serves nothing", async () => {
    const boom = new Error("migrations failed");
    const app = make({
      hooks: {
        beforeStart: () => {
          throw boom;
        },
      },
    });
    const states = recordStates(app);
    await expect(app.start()).rejects.toBe(boom);
    expect(app.state).toBe("failed");
    expect(app.ready).toBe(false);
    expect(states).toEqual(["created", "starting", "failed"]);
    expect((await failure(app.client(alpha).run({}))).code).toBe("UNAVAILABLE");
    expect((await failure(app.start())).reason).toBe("APP_NOT_STARTABLE");
    expect(await app.stop()).toEqual({ drained: true, abandoned: 0 });
    expect(app.state).toBe("stopped");
  });

  it("fails when afterStart throws, and then serves nothing", async () => {
    const app = make({
      hooks: {
        afterStart: async () => {
          throw new Error("warm-up failed");
        },
      },
    });
    await expect(app.start()).rejects.toThrow("warm-up failed");
    expect(app.state).toBe("failed");
    expect((await failure(app.client(alpha).run({}))).code).toBe("UNAVAILABLE");
  });

  it("stop() before start() just stops", async () => {
    const app = make();
    expect(await app.stop()).toEqual({ drained: true, abandoned: 0 });
    expect(app.state).toBe("stopped");
    expect((await failure(app.start())).reason).toBe("APP_NOT_STARTABLE");
  });

  it("stop() called twice returns the same report", async () => {
    const app = make();
    await app.start();
    const first = app.stop();
    const second = app.stop();
    expect(second).toBe(first);
    expect(await second).toEqual({ drained: true, abandoned: 0 });
  });

  it("stop() during start() leaves the app stopped, not running", async () => {
    const gate = deferred();
    const entered = deferred();
    const app = make({
      hooks: {
        beforeStart: async () => {
          entered.resolve();
          await gate.promise;
        },
      },
    });
    const starting = app.start();
    await entered.promise;
    const stopping = app.stop({ grace: "1s" });
    // Let stop() run as far as it can before the start hook finishes (a signal during startup).
    await new Promise((resolve) => setImmediate(resolve));
    gate.resolve();
    await Promise.allSettled([starting]);
    await stopping;
    expect(app.state).toBe("stopped");
    expect(app.ready).toBe(false);
    expect((await failure(app.client(alpha).run({}))).code).toBe("UNAVAILABLE");
  });

  it("waits for in-flight calls with a grace longer than a Node timer can hold", async () => {
    const entered = deferred();
    const app = make({
      runAlpha: async () => {
        entered.resolve();
        await new Promise((resolve) => setTimeout(resolve, 20));
        return "finished";
      },
    });
    await app.start();
    const inflight = app.client(alpha).run({});
    await entered.promise;
    expect(await app.stop({ grace: "30d" })).toEqual({ drained: true, abandoned: 0 });
    expect(await inflight).toBe("finished");
  });

  it("unsubscribes a state listener", async () => {
    const app = make();
    const states: AppState[] = [];
    const off = app.onStateChange((s) => states.push(s));
    await app.start();
    off();
    await app.stop();
    expect(states).toEqual(["starting", "running"]);
  });
});

describe.each([false, true])("shutdown (serialize: %s)", (serialize) => {
  it("drains: in-flight calls finish, new root calls are refused, nested calls still work", async () => {
    const entered = deferred();
    const release = deferred();
    const app = make({
      serialize,
      runAlpha: async (ctx) => {
        entered.resolve();
        await release.promise;
        return `alpha+${await ctx.client(beta).run({})}`;
      },
    });
    await app.start();
    const inflight = app.client(alpha).run({});
    await entered.promise;

    const stopping = app.stop({ grace: "10s" });
    expect(app.state).toBe("draining");
    expect(app.ready).toBe(false);
    const refused = await failure(app.client(beta).run({}));
    expect(refused.code).toBe("UNAVAILABLE");
    expect(refused.reason).toBe("DRAINING");
    expect(refused.mayHaveRun).toBe(false);

    release.resolve();
    expect(await inflight).toBe("alpha+beta");
    expect(await stopping).toEqual({ drained: true, abandoned: 0 });
    expect(app.state).toBe("stopped");
  });

  it("cancels in-flight calls when the grace period ends", async () => {
    const entered = deferred();
    const reasons: unknown[] = [];
    const app = make({
      serialize,
      runAlpha: async (ctx) => {
        entered.resolve();
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        reasons.push(ctx.signal.reason);
        throw ctx.signal.reason;
      },
    });
    await app.start();
    const inflight = app.client(alpha).run({});
    await entered.promise;

    const report = await app.stop({ grace: 20 });
    expect(report.drained).toBe(false);
    expect(report.abandoned).toBe(1);
    expect(app.state).toBe("stopped");
    expect(reasons).toHaveLength(1);
    const reason = reasons[0] as WeftError;
    expect(isWeftError(reason)).toBe(true);
    expect(reason.code).toBe("CANCELLED");
    expect(reason.reason).toBe("SHUTDOWN");
    expect(reason.mayHaveRun).toBe(true);

    const e = await failure(inflight);
    expect(e.code).toBe("CANCELLED");
    expect(e.reason).toBe("SHUTDOWN");
  });
});

describe("defineApp", () => {
  const impl = alpha.implement({ run: async () => 1 });

  it("reports every problem of a definition at once", () => {
    let error: unknown;
    try {
      defineApp({
        name: "1bad",
        services: [impl, impl, alpha as never],
        extra: true,
      } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.path)).toEqual([
      ["extra"],
      ["name"],
      ["services", 1],
      ["services", 2],
    ]);
    expect((error as ConfigError).message).toContain('service "alpha" is implemented twice');
  });

  it("createApp takes a spec as well as a definition", async () => {
    const app = createApp(
      { name: uniqueName("spec"), services: [impl] },
      { env: {}, logger: silent },
    );
    apps.push(app);
    await app.start();
    expect(await app.client(alpha).run({})).toBe(1);
  });
});

describe("createApp", () => {
  const services = [
    alpha.implement({ run: async () => "a" }),
    beta.implement({ run: async () => "b" }),
  ];
  const groups = { one: ["alpha"], two: ["beta"] };

  it("reads WEFT_* from the env option and lets config options win", () => {
    const app = createApp(defineApp({ name: uniqueName("cfg"), services }), {
      env: { WEFT_SERIALIZE: "true", WEFT_CALL_TIMEOUT: "5s" },
      config: { callTimeout: "7s" },
      logger: silent,
    });
    apps.push(app);
    expect(app.config.serialize).toBe(true);
    expect(app.config.callTimeoutMs).toBe(7000);
  });

  it("refuses bad configuration before anything starts", () => {
    expect(() =>
      createApp(defineApp({ name: uniqueName("cfg"), services }), {
        env: { WEFT_SERIALISE: "true" },
        logger: silent,
      }),
    ).toThrow(/did you mean WEFT_SERIALIZE/);
  });

  it("refuses to run part of the groups without a transport to the rest", () => {
    expect(() =>
      createApp(defineApp({ name: uniqueName("split"), services, groups }), {
        env: {},
        group: "one",
        logger: silent,
      }),
    ).toThrow(/beta run elsewhere/);
  });

  it("sends calls to services of other groups over the given transport", async () => {
    const sent: string[] = [];
    const transport: Transport = {
      name: "fake",
      async serve() {},
      async call(ctx) {
        sent.push(`${ctx.service}.${ctx.method}`);
        return "remote";
      },
      async stopIntake() {},
      async close() {},
    };
    const app = createApp(defineApp({ name: uniqueName("split"), services, groups }), {
      env: {},
      group: "one",
      logger: silent,
      transport,
    });
    apps.push(app);
    await app.start();
    expect(await app.client(alpha).run({})).toBe("a");
    expect(await app.client(beta).run({})).toBe("remote");
    expect(sent).toEqual(["beta.run"]);
    expect(app.describe()).toMatchObject({
      state: "running",
      running: ["one"],
      localServices: ["alpha"],
      remoteServices: ["beta"],
      transport: "fake",
    });
  });

  it("still drains and closes everything when beforeStop throws, then reports it as failed", async () => {
    const boom = new Error("flush failed");
    const done: string[] = [];
    const transport: Transport = {
      name: "fake",
      async serve() {},
      async call() {
        return "remote";
      },
      async stopIntake() {
        done.push("transport.stopIntake");
      },
      async close() {
        done.push("transport.close");
      },
    };
    const app = createApp(
      defineApp({
        name: uniqueName("hookfail"),
        services,
        groups,
        hooks: {
          beforeStop: () => {
            throw boom;
          },
          afterStop: () => {
            done.push("afterStop");
          },
        },
      }),
      {
        env: {},
        group: "one",
        logger: silent,
        transport,
        extensions: [
          {
            name: "ext",
            async drain() {
              done.push("ext.drain");
            },
            async stop() {
              done.push("ext.stop");
            },
          },
        ],
      },
    );
    const states = recordStates(app); // not in `apps`: its stop() rejects by design
    await app.start();
    const first = app.stop();
    await expect(first).rejects.toBe(boom);
    expect(app.state).toBe("failed");
    expect(states).toEqual(["created", "starting", "running", "draining", "failed"]);
    expect(done).toEqual([
      "transport.stopIntake",
      "ext.drain",
      "ext.stop",
      "transport.close",
      "afterStop",
    ]);
    expect(app.stop()).toBe(first);
    expect((await failure(app.client(alpha).run({}))).code).toBe("UNAVAILABLE");
  });

  it("describes a one-process app", () => {
    const app = createApp(defineApp({ name: uniqueName("desc"), services }), {
      env: {},
      logger: silent,
    });
    apps.push(app);
    expect(app.describe()).toMatchObject({
      name: app.name,
      state: "created",
      env: "development",
      groups: { main: ["alpha", "beta"] },
      running: ["main"],
      localServices: ["alpha", "beta"],
      remoteServices: [],
      transport: "local",
    });
  });
});
