import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isWeftError, jsonCodec, type WeftError } from "../../core/index.js";
import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  encodeResponse,
  type FrameContext,
  isFramed,
  responderBytes,
} from "./frame.js";

const encoder = new TextEncoder();

/** Text without the field separator (every real field is: digits, W3C ids, base64url, JSON). */
const field = fc.string({ unit: "binary", maxLength: 80 }).map((s) => s.replace(/\n/g, " "));

const contexts: fc.Arbitrary<FrameContext> = fc.record({
  timeoutMs: fc.oneof(fc.constant(""), fc.nat().map(String)),
  traceparent: field,
  principal: field,
  metadata: fc.oneof(
    fc.constant(""),
    fc.dictionary(fc.string(), fc.string({ unit: "binary" })).map((m) => JSON.stringify(m)),
  ),
});

const payloads = fc.uint8Array({ maxLength: 300 });

/** The error a decoder threw. */
function thrown(fn: () => unknown): WeftError {
  try {
    fn();
  } catch (e) {
    if (isWeftError(e)) return e;
    throw e;
  }
  throw new Error("expected a throw");
}

function expectMalformed(data: Uint8Array) {
  const e = thrown(() => decodeRequest(data));
  expect(e).toMatchObject({
    code: "INVALID_ARGUMENT",
    reason: "MALFORMED_FRAME",
    mayHaveRun: false,
  });
}

describe("request frames", () => {
  it("round-trip any context and payload", () => {
    fc.assert(
      fc.property(contexts, payloads, (context, payload) => {
        const frame = encodeRequest(context, payload);
        expect(isFramed(frame)).toBe(true);
        const decoded = decodeRequest(frame);
        expect(decoded.context).toEqual(context);
        expect([...decoded.payload]).toEqual([...payload]);
      }),
    );
  });

  it("carry a JSON payload byte for byte", () => {
    const payload = jsonCodec.encode({ text: "héllo", n: [1, 2] });
    const frame = encodeRequest(
      { timeoutMs: "1500", traceparent: "tp", principal: "", metadata: '{"a":"b"}' },
      payload,
    );
    expect(jsonCodec.decode(decodeRequest(frame).payload)).toEqual({ text: "héllo", n: [1, 2] });
  });

  it("refuse a context larger than 64 KiB", () => {
    const metadata = JSON.stringify({ big: "x".repeat(70_000) });
    const e = thrown(() =>
      encodeRequest({ timeoutMs: "", traceparent: "", principal: "", metadata }, new Uint8Array()),
    );
    expect(e).toMatchObject({ code: "INVALID_ARGUMENT", reason: "CONTEXT_TOO_LARGE" });
  });

  it("found damaged when cut short anywhere inside the header or context", () => {
    fc.assert(
      fc.property(contexts, payloads, fc.nat(), (context, payload, at) => {
        const frame = encodeRequest(context, payload);
        const contextEnd = 4 + ((frame[2] as number) << 8) + (frame[3] as number);
        expectMalformed(frame.subarray(0, at % contextEnd));
      }),
    );
  });

  it("found damaged with an unknown version", () => {
    fc.assert(
      fc.property(contexts, fc.integer({ min: 0, max: 255 }), (context, version) => {
        fc.pre(version !== 1);
        const frame = encodeRequest(context, encoder.encode("{}"));
        frame[1] = version;
        expectMalformed(frame);
      }),
    );
  });

  it("found damaged when the context is not UTF-8 or has the wrong number of fields", () => {
    const frame = (head: Uint8Array) => {
      const out = new Uint8Array(4 + head.length);
      out[1] = 1;
      out[2] = head.length >> 8;
      out[3] = head.length & 0xff;
      out.set(head, 4);
      return out;
    };
    expectMalformed(frame(new Uint8Array([0xff, 0xfe, 0x0a, 0x0a, 0x0a])));
    expectMalformed(frame(encoder.encode("1\n2\n3")));
    expectMalformed(frame(encoder.encode("1\n2\n3\n4\n5")));
    expectMalformed(frame(encoder.encode("")));
  });

  it("found damaged, never crashing, whatever bytes follow a 0x00", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (rest) => {
        const data = new Uint8Array([0, ...rest]);
        try {
          const { context } = decodeRequest(data);
          // Whatever decodes has the shape of a context: four strings.
          for (const v of Object.values(context)) expect(typeof v).toBe("string");
        } catch (e) {
          expect(e).toMatchObject({ code: "INVALID_ARGUMENT", reason: "MALFORMED_FRAME" });
        }
      }),
    );
  });
});

describe("plain payloads", () => {
  it("are not taken for frames: no JSON text starts with 0x00", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(isFramed(jsonCodec.encode(value))).toBe(false);
      }),
    );
  });

  it("are not taken for frames when they start with any other byte", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 255 }), fc.uint8Array(), (first, rest) => {
        expect(isFramed(new Uint8Array([first, ...rest]))).toBe(false);
      }),
    );
  });

  it("too short to hold a frame header are not frames", () => {
    expect(isFramed(new Uint8Array())).toBe(false);
    expect(isFramed(new Uint8Array([0]))).toBe(false);
    expect(isFramed(new Uint8Array([0, 1]))).toBe(false);
    expect(isFramed(new Uint8Array([0, 1, 0]))).toBe(true);
  });
});

describe("response frames", () => {
  const responders = fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: 255,
  });

  it("round-trip success and failure with the responder and payload", () => {
    fc.assert(
      fc.property(fc.boolean(), responders, payloads, (ok, responder, payload) => {
        const frame = encodeResponse(ok, responderBytes(responder), payload);
        expect(isFramed(frame)).toBe(true);
        const decoded = decodeResponse(frame);
        expect(decoded).toBeDefined();
        expect(decoded?.ok).toBe(ok);
        expect(decoded?.responder).toBe(responder);
        expect([...(decoded?.payload ?? [])]).toEqual([...payload]);
      }),
    );
  });

  it("carry a Weft error in its wire form", () => {
    const wire = { code: "NOT_FOUND", reason: "NO_SUCH_THING", message: "gone", metadata: {} };
    const decoded = decodeResponse(
      encodeResponse(false, responderBytes("42@host"), jsonCodec.encode(wire)),
    );
    expect(decoded?.ok).toBe(false);
    expect(jsonCodec.decode(decoded?.payload ?? new Uint8Array())).toEqual(wire);
  });

  it("are not recognized in plain bytes, a bad status byte or a cut responder", () => {
    expect(decodeResponse(encoder.encode('{"ok":true}'))).toBeUndefined();
    expect(decodeResponse(new Uint8Array([0, 2, 0]))).toBeUndefined();
    expect(decodeResponse(new Uint8Array([0, 0, 10, 65, 66]))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const decoded = decodeResponse(bytes);
        if (decoded !== undefined) expect(typeof decoded.ok).toBe("boolean");
      }),
    );
  });

  it("keep responder ids printable ASCII and at most 255 bytes", () => {
    expect(new TextDecoder().decode(responderBytes("7@hôst\n"))).toBe("7@h?st?");
    expect(responderBytes("x".repeat(300))).toHaveLength(255);
  });
});
