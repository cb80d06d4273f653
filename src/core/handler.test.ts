import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CallContext } from "./context.js";
import { chain, type Handler, type Middleware } from "./handler.js";

const ctx = {} as CallContext;

function tracing(name: string, log: string[]): Middleware {
  return (next) => async (c, input) => {
    log.push(`${name}:in`);
    const out = await next(c, `${input}>${name}`);
    log.push(`${name}:out`);
    return `${out}<${name}`;
  };
}

describe("chain", () => {
  it("runs the first middleware outermost", async () => {
    const log: string[] = [];
    const handler: Handler = async (_c, input) => {
      log.push("handler");
      return `[${input}]`;
    };
    const h = chain(tracing("a", log), tracing("b", log), tracing("c", log))(handler);
    expect(await h(ctx, "x")).toBe("[x>a>b>c]<c<b<a");
    expect(log).toEqual(["a:in", "b:in", "c:in", "handler", "c:out", "b:out", "a:out"]);
  });

  it("returns the handler unchanged with no middleware", () => {
    const handler: Handler = async () => 1;
    expect(chain()(handler)).toBe(handler);
  });

  it("lets a middleware answer without calling next", async () => {
    let called = false;
    const shortCircuit: Middleware = () => async () => "cached";
    const h = chain(shortCircuit)(async () => {
      called = true;
      return "fresh";
    });
    expect(await h(ctx, undefined)).toBe("cached");
    expect(called).toBe(false);
  });

  it("passes the context through to the handler", async () => {
    let seen: CallContext | undefined;
    const h = chain((next) => next)(async (c) => {
      seen = c;
    });
    await h(ctx, undefined);
    expect(seen).toBe(ctx);
  });

  it("chain(a, b) equals chain(a)(chain(b)) for any number of layers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 3 }), { maxLength: 6 }), async (names) => {
        const mws = names.map(
          (n): Middleware =>
            (next) =>
            async (c, i) =>
              `${n}(${await next(c, i)})`,
        );
        const base: Handler = async (_c, i) => String(i);
        const nested = mws.reduceRight((h, mw) => mw(h), base);
        expect(await chain(...mws)(base)(ctx, "x")).toBe(await nested(ctx, "x"));
      }),
    );
  });
});
