/**
 * The call path, run in both local modes: plain function calls (`serialize: false`) and codec
 * round trips that behave like a network (`serialize: true`). Every test here must hold in both.
 */
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { uniqueName } from "../testing/unique-name.js";
import { type App, type AppOptions, createApp, defineApp } from "./app.js";
import type { ConfigInput } from "./config.js";
import type { CallContext } from "./context.js";
import { defineService, method, type ServiceImplementation } from "./contract.js";
import { isWeftError, notFound, WeftError } from "./errors.js";
import type { Logger } from "./logger.js";
import { formatTraceparent, parseTraceparent } from "./trace-context.js";

/** One line a logger was asked to write. */
interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  msg: string | undefined;
}

/** A logger that keeps every line, with the bindings of the child it was written through. */
function recordingLogger(lines: LogLine[] = [], bindings: Record<string, unknown> = {}) {
  const at =
    (level: string) =>
    (objOrMsg: object | string, msg?: string): void => {
      const fields = typeof objOrMsg === "string" ? {} : (objOrMsg as Record<string, unknown>);
      lines.push({
        level,
        fields: { ...bindings, ...fields },
        msg: typeof objOrMsg === "string" ? objOrMsg : msg,
      });
    };
  const logger: Logger & { lines: LogLine[] } = {
    lines,
    trace: at("trace"),
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    fatal: at("fatal"),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
  return logger;
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Rejection of a promise that must reject, as a Weft error. */
async function failure(promise: Promise<unknown>): Promise<WeftError> {
  try {
    await promise;
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error("expected the call to fail");
}

/** What a handler saw of its context, as plain data (it survives serialization). */
function snapshot(ctx: CallContext) {
  return {
    app: ctx.app,
    service: ctx.service,
    method: ctx.method,
    idempotent: ctx.idempotent,
    remaining: ctx.remaining(),
    metadata: { ...ctx.metadata },
    principal: ctx.principal,
    traceId: ctx.trace.traceId,
    spanId: ctx.trace.spanId,
    parentSpanId: ctx.trace.parentSpanId ?? null,
    traceparent: ctx.traceparent,
  };
}
type Snapshot = ReturnType<typeof snapshot>;

const anyMethod = { input: z.unknown(), output: z.unknown() };
const alpha = defineService("alpha", { run: method(anyMethod) });
const beta = defineService("beta", {
  run: method(anyMethod),
  look: method({ ...anyMethod, idempotent: true }),
});
const orders = defineService("orders", {
  place: method({
    input: z.object({
      customer: z.string().min(1),
      items: z.array(z.object({ sku: z.string(), qty: z.number().int().positive() })),
    }),
    output: z.object({ orderId: z.string(), total: z.number() }),
  }),
});

type Run = (ctx: CallContext, input: unknown) => Promise<unknown>;
const unused: Run = async () => {
  throw new Error("not used in this test");
};

function services(runAlpha: Run = unused, runBeta: Run = unused): ServiceImplementation[] {
  return [
    alpha.implement({ run: runAlpha }),
    beta.implement({ run: runBeta, look: async (ctx) => snapshot(ctx) }),
  ];
}

const running: App[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop({ grace: 0 })));
});

describe.each([false, true])("call path (serialize: %s)", (serialize) => {
  function start(
    impls: readonly ServiceImplementation[],
    config: ConfigInput = {},
    options: AppOptions = {},
  ): App {
    const app = createApp(defineApp({ name: uniqueName("calls"), services: impls }), {
      env: {},
      logger: recordingLogger(),
      ...options,
      config: { serialize, ...config },
    });
    running.push(app);
    return app;
  }
  async function started(...args: Parameters<typeof start>): Promise<App> {
    const app = start(...args);
    await app.start();
    return app;
  }

  it("runs in the mode asked for", async () => {
    const app = await started(services());
    expect(app.config.serialize).toBe(serialize);
    expect(app.describe().transport).toBe(serialize ? "local (serialized)" : "local");
  });

  it("returns the handler's output to the caller", async () => {
    const app = await started(services(async (_ctx, input) => ({ got: input })));
    expect(await app.client(alpha).run({ n: 1 })).toEqual({ got: { n: 1 } });
  });

  it("gives the handler its app, service, method and the contract's idempotent flag", async () => {
    const app = await started(services());
    const seen = (await app.client(beta).look({})) as Snapshot;
    expect(seen).toMatchObject({
      app: app.name,
      service: "beta",
      method: "look",
      idempotent: true,
    });
    expect(seen.traceparent).toBe(
      formatTraceparent({
        traceId: seen.traceId,
        spanId: seen.spanId,
        parentSpanId: undefined,
        sampled: true,
      }),
    );
  });

  describe("context propagation", () => {
    it("passes metadata and principal to nested calls, merging per-call metadata", async () => {
      const app = await started(
        services(async (ctx) => ({
          outer: snapshot(ctx),
          inner: await ctx.client(beta).look({}, { metadata: { step: "inner" } }),
        })),
      );
      const principal = { id: "u1", kind: "user" as const, scopes: ["orders:write"] };
      const seen = (await app
        .client(alpha, { metadata: { tenant: "t1", step: "root" }, principal })
        .run({}, { metadata: { request: "r1" } })) as { outer: Snapshot; inner: Snapshot };
      expect(seen.outer.metadata).toEqual({ tenant: "t1", step: "root", request: "r1" });
      expect(seen.inner.metadata).toEqual({ tenant: "t1", step: "inner", request: "r1" });
      expect(seen.outer.principal).toEqual(principal);
      expect(seen.inner.principal).toEqual(principal);
    });

    it("gives a root call without a principal none", async () => {
      const app = await started(services());
      expect(((await app.client(beta).look({})) as Snapshot).principal).toBeUndefined();
    });

    /**
     * The span of a call is made by the caller (`ctx.trace` in client middleware) and sent as
     * `traceparent`. The callee opens its own span, a child of the sent one, as W3C trace context
     * does — in one process as over a wire — so the caller's span is its grandparent and a trace
     * has the same shape in every placement.
     */
    function outgoingSpans() {
      const sent: Snapshot[] = [];
      const record =
        (next: Run): Run =>
        async (ctx, input) => {
          sent.push(snapshot(ctx));
          return next(ctx, input);
        };
      return { sent, middleware: { client: [record] } };
    }

    it("keeps the trace id in nested calls, and the callee's span descends from the caller's", async () => {
      const { sent, middleware } = outgoingSpans();
      const app = createApp(
        defineApp({
          name: uniqueName("trace"),
          services: services(async (ctx) => ({
            outer: snapshot(ctx),
            inner: await ctx.client(beta).look({}),
          })),
          middleware,
        }),
        { env: {}, logger: recordingLogger(), config: { serialize } },
      );
      running.push(app);
      await app.start();
      const seen = (await app.client(alpha).run({})) as { outer: Snapshot; inner: Snapshot };
      expect(seen.inner.traceId).toBe(seen.outer.traceId);
      expect(seen.inner.spanId).not.toBe(seen.outer.spanId);
      const call = sent.find((s) => s.service === "beta");
      expect(call?.traceId).toBe(seen.outer.traceId);
      expect(call?.parentSpanId).toBe(seen.outer.spanId);
      expect(seen.inner.spanId).not.toBe(call?.spanId);
      expect(seen.inner.parentSpanId).toBe(call?.spanId);
    });

    it("continues a trace given as traceparent by a root caller", async () => {
      const { sent, middleware } = outgoingSpans();
      const app = createApp(
        defineApp({ name: uniqueName("trace"), services: services(), middleware }),
        { env: {}, logger: recordingLogger(), config: { serialize } },
      );
      running.push(app);
      await app.start();
      const incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      const seen = (await app.client(beta, { traceparent: incoming }).look({})) as Snapshot;
      expect(seen.traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
      expect(sent[0]?.parentSpanId).toBe("00f067aa0ba902b7");
      expect(seen.parentSpanId).toBe(sent[0]?.spanId);
      expect(parseTraceparent(seen.traceparent)?.spanId).toBe(seen.spanId);
    });

    it("starts a new trace when the given traceparent is invalid", async () => {
      const app = await started(services());
      const seen = (await app.client(beta, { traceparent: "ff-nonsense" }).look({})) as Snapshot;
      expect(seen.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(seen.traceId).not.toMatch(/^0+$/);
    });

    it("gives every root call its own trace", async () => {
      const app = await started(services());
      const a = (await app.client(beta).look({})) as Snapshot;
      const b = (await app.client(beta).look({})) as Snapshot;
      expect(a.traceId).not.toBe(b.traceId);
    });
  });

  describe("deadlines", () => {
    it("caps a nested call by the parent's deadline, whatever timeout it asks for", async () => {
      const app = await started(
        services(async (ctx) => {
          const before = ctx.remaining();
          const inner = (await ctx.client(beta).look({}, { timeout: "1h" })) as Snapshot;
          return { before, inner };
        }),
      );
      const seen = (await app.client(alpha).run({}, { timeout: "2s" })) as {
        before: number;
        inner: Snapshot;
      };
      expect(seen.before).toBeGreaterThan(0);
      expect(seen.before).toBeLessThanOrEqual(2000);
      expect(seen.inner.remaining).toBeLessThanOrEqual(seen.before);
    });

    it("uses the configured callTimeout when the caller gives none", async () => {
      const app = await started(services(), { callTimeout: "3s" });
      const seen = (await app.client(beta).look({})) as Snapshot;
      expect(seen.remaining).toBeGreaterThan(0);
      expect(seen.remaining).toBeLessThanOrEqual(3000);
    });

    it("fails with DEADLINE_EXCEEDED (may have run) and aborts the callee's signal", async () => {
      const aborted = deferred<unknown>();
      const app = await started(
        services(async (ctx) => {
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          aborted.resolve(ctx.signal.reason);
          throw ctx.signal.reason;
        }),
      );
      const e = await failure(app.client(alpha).run({}, { timeout: 30 }));
      expect(e.code).toBe("DEADLINE_EXCEEDED");
      expect(e.mayHaveRun).toBe(true);
      const reason = await aborted.promise;
      expect(isWeftError(reason) && reason.code).toBe("DEADLINE_EXCEEDED");
    });

    it("fails at once, without running the handler, when no time is left", async () => {
      let ran = false;
      const app = await started(
        services(async () => {
          ran = true;
        }),
      );
      const e = await failure(app.client(alpha).run({}, { timeout: 0 }));
      expect(e.code).toBe("DEADLINE_EXCEEDED");
      expect(e.mayHaveRun).toBe(false);
      expect(ran).toBe(false);
    });

    it("honours a timeout longer than a Node timer can hold (about 24.8 days)", async () => {
      const app = await started(
        services(async (ctx) => {
          // A handler that takes a little while: the call must not time out meanwhile.
          await new Promise((resolve) => setTimeout(resolve, 20));
          return ctx.remaining();
        }),
        // An app that allows calls that long (the default maximum is 5 minutes).
        { maxCallTimeout: "40d" },
      );
      const remaining = await app.client(alpha).run({}, { timeout: "30d" });
      expect(remaining).toBeGreaterThan(29 * 86_400_000);
    });

    it("cuts a timeout longer than maxCallTimeout to it", async () => {
      const app = await started(
        services(async (ctx) => ctx.remaining()),
        { maxCallTimeout: "2m" },
      );
      const remaining = await app.client(alpha).run({}, { timeout: "30d" });
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(120_000);
    });

    it("refuses a malformed timeout with INVALID_ARGUMENT", async () => {
      const app = await started(services());
      const e = await failure(app.client(beta).look({}, { timeout: "soon" }));
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect(e.reason).toBe("INVALID_DURATION");
    });
  });

  describe("cancellation", () => {
    it("fails with CANCELLED when the caller's signal aborts, and aborts the callee", async () => {
      const entered = deferred();
      const calleeReason = deferred<unknown>();
      const app = await started(
        services(async (ctx) => {
          entered.resolve();
          await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
          calleeReason.resolve(ctx.signal.reason);
          return "too late";
        }),
      );
      const controller = new AbortController();
      const call = app.client(alpha).run({}, { signal: controller.signal });
      await entered.promise;
      controller.abort();
      const e = await failure(call);
      expect(e.code).toBe("CANCELLED");
      expect(e.mayHaveRun).toBe(true);
      const reason = await calleeReason.promise;
      expect(isWeftError(reason) && reason.code).toBe("CANCELLED");
    });

    it("does not send a call whose signal is already aborted", async () => {
      let ran = false;
      const app = await started(
        services(async () => {
          ran = true;
        }),
      );
      const e = await failure(app.client(alpha).run({}, { signal: AbortSignal.abort() }));
      expect(e.code).toBe("CANCELLED");
      expect(e.mayHaveRun).toBe(false);
      expect(ran).toBe(false);
    });
  });

  describe("validation", () => {
    const place = async (_ctx: CallContext, input: { items: { qty: number }[] }) => ({
      orderId: "o1",
      total: input.items.reduce((sum, i) => sum + i.qty, 0),
    });

    it("refuses a bad input with INVALID_ARGUMENT and the path of every issue", async () => {
      let ran = false;
      const app = await started([
        orders.implement({
          async place(ctx, input) {
            ran = true;
            return place(ctx, input);
          },
        }),
      ]);
      const bad = {
        customer: "",
        items: [
          { sku: "a", qty: 1 },
          { sku: "b", qty: -2 },
        ],
      };
      const e = await failure(app.client(orders).place(bad));
      expect(e.code).toBe("INVALID_ARGUMENT");
      expect(e.reason).toBe("INPUT_INVALID");
      expect(e.mayHaveRun).toBe(false);
      expect(e.issues.map((i) => i.path)).toEqual([["customer"], ["items", 1, "qty"]]);
      expect(e.message).toContain("items[1].qty");
      expect(ran).toBe(false);
    });

    it("accepts a good input", async () => {
      const app = await started([orders.implement({ place })]);
      const out = await app.client(orders).place({
        customer: "c1",
        items: [
          { sku: "a", qty: 1 },
          { sku: "b", qty: 2 },
        ],
      });
      expect(out).toEqual({ orderId: "o1", total: 3 });
    });

    const badOutput = orders.implement({
      async place() {
        return { orderId: 42 } as never;
      },
    });
    const input = { customer: "c1", items: [] };

    it.each(["development", "test"] as const)(
      "checks outputs in %s: a bad one is INTERNAL OUTPUT_INVALID",
      async (env) => {
        const app = await started([badOutput], { env });
        expect(app.config.validateOutput).toBe(true);
        const e = await failure(app.client(orders).place(input));
        expect(e.code).toBe("INTERNAL");
        expect(e.reason).toBe("OUTPUT_INVALID");
        expect(e.issues.map((i) => i.path)).toEqual([["orderId"], ["total"]]);
      },
    );

    it("does not check outputs in production", async () => {
      const app = await started([badOutput], {}, { env: { NODE_ENV: "production" } });
      expect(app.config.validateOutput).toBe(false);
      expect(await app.client(orders).place(input)).toEqual({ orderId: 42 });
    });

    it("follows an explicit validateOutput over the environment's default", async () => {
      const app = await started([badOutput], { env: "production", validateOutput: true });
      expect((await failure(app.client(orders).place(input))).reason).toBe("OUTPUT_INVALID");
    });
  });

  describe("errors", () => {
    it("keeps code, reason, message, metadata and issues of a Weft error", async () => {
      const app = await started(
        services(async () => {
          throw notFound("PRODUCT_NOT_FOUND", "no product p9", {
            metadata: { id: "p9" },
            issues: [{ path: ["id"], message: "unknown" }],
          });
        }),
      );
      const e = await failure(app.client(alpha).run({}));
      expect(e).toBeInstanceOf(WeftError);
      expect(e.code).toBe("NOT_FOUND");
      expect(e.reason).toBe("PRODUCT_NOT_FOUND");
      expect(e.message).toBe("no product p9");
      expect(e.metadata).toEqual({ id: "p9" });
      expect(e.issues).toEqual([{ path: ["id"], message: "unknown" }]);
    });

    it("turns an unknown throwable into INTERNAL for the caller and logs it", async () => {
      const logger = recordingLogger();
      const bug = new TypeError("cannot read properties of undefined (reading 'secret')");
      const app = await started(
        services(async () => {
          throw bug;
        }),
        {},
        { logger },
      );
      const e = await failure(app.client(alpha).run({}));
      expect(e.code).toBe("INTERNAL");
      expect(e.message).toBe("internal error");
      expect(e.message).not.toContain("secret");
      const logged = logger.lines.filter((l) => l.level === "error");
      expect(logged).toHaveLength(1);
      expect(logged[0]?.fields.err).toBe(bug);
      expect(logged[0]?.fields).toMatchObject({ service: "alpha", method: "run" });
      expect(logged[0]?.msg).toContain("alpha.run");
    });

    it("does not log an expected Weft error", async () => {
      const logger = recordingLogger();
      const app = await started(
        services(async () => {
          throw notFound("GONE");
        }),
        {},
        { logger },
      );
      await failure(app.client(alpha).run({}));
      expect(logger.lines.filter((l) => l.level === "error")).toEqual([]);
    });

    it("answers UNAVAILABLE NO_RESPONDERS for a service that does not run here", async () => {
      const app = await started([alpha.implement({ run: unused })]);
      const e = await failure(app.client(beta).look({}));
      expect(e.code).toBe("UNAVAILABLE");
      expect(e.reason).toBe("NO_RESPONDERS");
      expect(e.metadata.service).toBe("beta");
    });

    it("answers UNIMPLEMENTED for a method the running implementation lacks", async () => {
      // A newer contract of the same service, called on an app that runs the older one.
      const alphaV2 = defineService("alpha", { run: method(anyMethod), more: method(anyMethod) });
      const app = await started(services());
      const e = await failure(app.client(alphaV2).more({}));
      expect(e.code).toBe("UNIMPLEMENTED");
      expect(e.reason).toBe("UNKNOWN_METHOD");
    });

    it("refuses calls before start with UNAVAILABLE", async () => {
      const app = start(services(async () => "ran"));
      const e = await failure(app.client(alpha).run({}));
      expect(e.code).toBe("UNAVAILABLE");
    });

    it("refuses calls after stop with UNAVAILABLE", async () => {
      const app = await started(services(async () => "ran"));
      expect(await app.client(alpha).run({})).toBe("ran");
      await app.stop();
      const e = await failure(app.client(alpha).run({}));
      expect(e.code).toBe("UNAVAILABLE");
    });
  });

  describe("isolation", () => {
    it("two apps in one process with the same contract do not see each other", async () => {
      const one = await started([alpha.implement({ run: async () => "one" })]);
      const two = await started([alpha.implement({ run: async () => "two" })]);
      expect(await one.client(alpha).run({})).toBe("one");
      expect(await two.client(alpha).run({})).toBe("two");
      await one.stop();
      expect(await two.client(alpha).run({})).toBe("two");
      expect((await failure(one.client(alpha).run({}))).code).toBe("UNAVAILABLE");
    });

    it("ctx.client reaches the app that runs the handler", async () => {
      const one = await started(
        services(
          async (ctx) => ctx.client(beta).run({}),
          async () => 1,
        ),
      );
      const two = await started(
        services(
          async (ctx) => ctx.client(beta).run({}),
          async () => 2,
        ),
      );
      expect(await one.client(alpha).run({})).toBe(1);
      expect(await two.client(alpha).run({})).toBe(2);
    });
  });

  describe("middleware", () => {
    it("runs client middleware on the caller side and server middleware on the callee side", async () => {
      const log: string[] = [];
      const app = createApp(
        defineApp({
          name: uniqueName("mw"),
          services: [
            alpha.implement(
              { run: async (ctx) => ctx.client(beta).run({}) },
              {
                middleware: [
                  (next) => async (ctx, input) => {
                    log.push(`service:${ctx.service}`);
                    return next(ctx, input);
                  },
                ],
              },
            ),
            beta.implement({ run: async () => "b", look: async () => null }),
          ],
          middleware: {
            client: [
              (next) => async (ctx, input) => {
                log.push(`client:${ctx.service}`);
                return next(ctx, input);
              },
            ],
            server: [
              (next) => async (ctx, input) => {
                log.push(`server:${ctx.service}`);
                return next(ctx, input);
              },
            ],
          },
        }),
        { env: {}, logger: recordingLogger(), config: { serialize } },
      );
      running.push(app);
      await app.start();
      expect(await app.client(alpha).run({})).toBe("b");
      expect(log).toEqual([
        "client:alpha",
        "server:alpha",
        "service:alpha",
        "client:beta",
        "server:beta",
      ]);
    });
  });
});
