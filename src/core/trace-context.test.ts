import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  childTrace,
  formatTraceparent,
  newTrace,
  parseTraceparent,
  type TraceContext,
} from "./trace-context.js";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";
const hex = (length: number) =>
  fc
    .string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length })
    .filter((s) => !/^0+$/.test(s));

describe("newTrace / childTrace", () => {
  it("makes W3C-shaped, non-zero ids", () => {
    for (let i = 0; i < 100; i++) {
      const t = newTrace();
      expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(t.traceId).not.toMatch(/^0+$/);
      expect(t.spanId).not.toMatch(/^0+$/);
      expect(t.parentSpanId).toBeUndefined();
      expect(t.sampled).toBe(true);
    }
    expect(newTrace(false).sampled).toBe(false);
  });

  it("makes different ids for different traces", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newTrace().traceId));
    expect(ids.size).toBe(1000);
  });

  it("a child keeps the trace id and points at its parent's span", () => {
    const parent = newTrace(false);
    const child = childTrace(parent);
    expect(child.traceId).toBe(parent.traceId);
    expect(child.parentSpanId).toBe(parent.spanId);
    expect(child.spanId).not.toBe(parent.spanId);
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.sampled).toBe(false);
  });
});

describe("traceparent", () => {
  it("formats the W3C version 00 header", () => {
    const t: TraceContext = {
      traceId: TRACE,
      spanId: SPAN,
      parentSpanId: undefined,
      sampled: true,
    };
    expect(formatTraceparent(t)).toBe(`00-${TRACE}-${SPAN}-01`);
    expect(formatTraceparent({ ...t, sampled: false })).toBe(`00-${TRACE}-${SPAN}-00`);
  });

  it("parse(format(t)) gives back the trace position", () => {
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const header = formatTraceparent({
          traceId,
          spanId,
          parentSpanId: "ffffffffffffffff",
          sampled,
        });
        expect(parseTraceparent(header)).toEqual({
          traceId,
          spanId,
          parentSpanId: undefined,
          sampled,
        });
      }),
    );
  });

  it("reads the sampled flag from bit 0 of the flags", () => {
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-03`)?.sampled).toBe(true);
    expect(parseTraceparent(`00-${TRACE}-${SPAN}-02`)?.sampled).toBe(false);
  });

  it("accepts a future version with extra fields after a dash", () => {
    expect(parseTraceparent(`01-${TRACE}-${SPAN}-01-whatever`)).toMatchObject({
      traceId: TRACE,
      spanId: SPAN,
    });
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["trace id too short", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["trace id too long", `00-${TRACE}a-${SPAN}-01`],
    ["span id too short", `00-${TRACE}-${SPAN.slice(1)}-01`],
    ["span id too long", `00-${TRACE}-${SPAN}0-01`],
    ["flags too long", `00-${TRACE}-${SPAN}-011`],
    ["version 00 with extra fields", `00-${TRACE}-${SPAN}-01-extra`],
    ["uppercase hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["non-hex", `00-${TRACE.slice(0, 31)}g-${SPAN}-01`],
    ["wrong separators", `00_${TRACE}_${SPAN}_01`],
    ["missing flags", `00-${TRACE}-${SPAN}`],
    ["future version without dash after flags", `01-${TRACE}-${SPAN}-01x`],
  ])("rejects %s", (_, header) => {
    expect(parseTraceparent(header)).toBeUndefined();
  });

  it("never throws on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        const t = parseTraceparent(s);
        if (t !== undefined) {
          expect(t.traceId).toMatch(/^[0-9a-f]{32}$/);
          expect(t.spanId).toMatch(/^[0-9a-f]{16}$/);
        }
      }),
    );
  });
});
