import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "./error-codes.js";
import { errorFromWire, errorToWire, type WireError } from "./error-wire.js";
import { type FieldIssue, invalidArgument, isWeftError, WeftError } from "./errors.js";

const issueArb: fc.Arbitrary<FieldIssue> = fc.record({
  path: fc.array(fc.oneof(fc.string(), fc.nat()), { maxLength: 4 }),
  message: fc.string(),
});

const weftErrorArb = fc
  .record({
    code: fc.constantFrom(...ERROR_CODES),
    reason: fc.string(),
    message: fc.string(),
    metadata: fc.dictionary(fc.string(), fc.string()),
    issues: fc.array(issueArb, { maxLength: 4 }),
    retryable: fc.boolean(),
    mayHaveRun: fc.boolean(),
  })
  .map(
    (r) =>
      new WeftError(r.code, r.reason, r.message, {
        metadata: r.metadata,
        issues: r.issues,
        retryable: r.retryable,
        mayHaveRun: r.mayHaveRun,
      }),
  );

/** The fields of an error the wire promises to keep, as plain data for deep comparison. */
function fields(e: WeftError) {
  return {
    code: e.code,
    reason: e.reason,
    message: e.message,
    metadata: { ...e.metadata },
    issues: e.issues.map((i) => ({ path: [...i.path], message: i.message })),
    retryable: e.retryable,
    mayHaveRun: e.mayHaveRun,
  };
}

describe("errorToWire / errorFromWire", () => {
  it("round-trips every field exactly, also through JSON", () => {
    fc.assert(
      fc.property(weftErrorArb, (e) => {
        const direct = errorFromWire(errorToWire(e));
        const viaJson = errorFromWire(JSON.parse(JSON.stringify(errorToWire(e))));
        expect(isWeftError(direct)).toBe(true);
        expect(fields(direct)).toEqual(fields(e));
        expect(fields(viaJson)).toEqual(fields(e));
        expect(Object.keys(viaJson.metadata).sort()).toEqual(Object.keys(e.metadata).sort());
      }),
    );
  });

  it("keeps a metadata key named __proto__ as data", () => {
    const metadata = JSON.parse('{"__proto__":"x","id":"1"}') as Record<string, string>;
    const e = invalidArgument("R", "m", { metadata });
    const back = errorFromWire(JSON.parse(JSON.stringify(errorToWire(e))));
    expect(Object.entries(back.metadata)).toEqual([
      ["__proto__", "x"],
      ["id", "1"],
    ]);
  });

  it("wire form is plain JSON with exactly the documented keys", () => {
    const wire = errorToWire(invalidArgument("R", "m", { cause: new Error("inner") }));
    expect(Object.keys(wire).sort()).toEqual(
      ["code", "issues", "mayHaveRun", "message", "metadata", "reason", "retryable"].sort(),
    );
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
  });

  it("defaults retryable by code and mayHaveRun to false when a peer omits them", () => {
    const e = errorFromWire({ code: "UNAVAILABLE", reason: "DOWN", message: "down" });
    expect(e.retryable).toBe(true);
    expect(e.mayHaveRun).toBe(false);
    expect(e.metadata).toEqual({});
    expect(e.issues).toEqual([]);
  });
});

describe("unknown throwables on the wire", () => {
  const SECRET = "password=hunter2 at /srv/app/secret.ts:12";

  it.each([
    ["an Error", new Error(SECRET)],
    ["a TypeError", new TypeError(SECRET)],
    ["a string", SECRET],
    ["an object", { message: SECRET, stack: SECRET }],
    ["null", null],
  ])("%s becomes INTERNAL with a generic message and no leak", (_, thrown) => {
    const wire = errorToWire(thrown);
    expect(wire).toEqual({
      code: "INTERNAL",
      reason: "INTERNAL",
      message: "internal error",
      metadata: {},
      retryable: false,
      mayHaveRun: false,
      issues: [],
    });
    const text = JSON.stringify(wire);
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("stack");
    expect(text).not.toContain("secret.ts");
  });

  it("drops the cause and stack of a Weft error", () => {
    const e = invalidArgument("R", "visible", { cause: new Error(SECRET) });
    const text = JSON.stringify(errorToWire(e));
    expect(text).toContain("visible");
    expect(text).not.toContain("hunter2");
    expect(text).not.toContain("stack");
    expect(errorFromWire(JSON.parse(text)).cause).toBeUndefined();
  });
});

describe("malformed wire values", () => {
  const valid: WireError = {
    code: "NOT_FOUND",
    reason: "R",
    message: "m",
    metadata: {},
    retryable: false,
    mayHaveRun: false,
    issues: [],
  };

  it.each<[string, unknown]>([
    ["undefined", undefined],
    ["null", null],
    ["a string", "NOT_FOUND"],
    ["a number", 404],
    ["an array", [valid]],
    ["an unknown code", { ...valid, code: "TEAPOT" }],
    ["a missing reason", { ...valid, reason: undefined }],
    ["a non-string message", { ...valid, message: 42 }],
    ["non-string metadata values", { ...valid, metadata: { n: 1 } }],
    ["metadata that is an array", { ...valid, metadata: ["a"] }],
    ["issues that are not an array", { ...valid, issues: "bad" }],
    ["an issue without a message", { ...valid, issues: [{ path: [] }] }],
    ["an issue with a bad path", { ...valid, issues: [{ path: [{}], message: "m" }] }],
  ])("%s becomes INTERNAL MALFORMED_ERROR", (_, value) => {
    const e = errorFromWire(value);
    expect(isWeftError(e)).toBe(true);
    expect(e.code).toBe("INTERNAL");
    expect(e.reason).toBe("MALFORMED_ERROR");
    expect(e.mayHaveRun).toBe(true);
  });

  it("never throws, whatever it is given", () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(isWeftError(errorFromWire(value))).toBe(true);
      }),
    );
  });
});
