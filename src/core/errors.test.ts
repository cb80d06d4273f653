import { describe, expect, it } from "vitest";
import { ERROR_CODES, type ErrorCode, isErrorCode, isRetryableByDefault } from "./error-codes.js";
import {
  aborted,
  alreadyExists,
  cancelled,
  deadlineExceeded,
  failedPrecondition,
  formatPath,
  internal,
  invalidArgument,
  isAlreadyExists,
  isCancelled,
  isDeadlineExceeded,
  isFailedPrecondition,
  isInternal,
  isInvalidArgument,
  isNotFound,
  isPermissionDenied,
  isResourceExhausted,
  isUnauthenticated,
  isUnavailable,
  isWeftError,
  normalizeError,
  notFound,
  permissionDenied,
  resourceExhausted,
  saysWhetherItRan,
  unauthenticated,
  unavailable,
  unimplemented,
  WeftError,
} from "./errors.js";

type Pair = readonly [
  ErrorCode,
  (reason: string, message?: string) => WeftError,
  ((v: unknown) => boolean) | undefined,
];

const PAIRS: readonly Pair[] = [
  ["INVALID_ARGUMENT", invalidArgument, isInvalidArgument],
  ["NOT_FOUND", notFound, isNotFound],
  ["ALREADY_EXISTS", alreadyExists, isAlreadyExists],
  ["FAILED_PRECONDITION", failedPrecondition, isFailedPrecondition],
  ["PERMISSION_DENIED", permissionDenied, isPermissionDenied],
  ["UNAUTHENTICATED", unauthenticated, isUnauthenticated],
  ["RESOURCE_EXHAUSTED", resourceExhausted, isResourceExhausted],
  ["UNAVAILABLE", unavailable, isUnavailable],
  ["DEADLINE_EXCEEDED", deadlineExceeded, isDeadlineExceeded],
  ["CANCELLED", cancelled, isCancelled],
  ["ABORTED", aborted, undefined],
  ["UNIMPLEMENTED", unimplemented, undefined],
  ["INTERNAL", internal, isInternal],
];

describe("error constructors", () => {
  it.each(PAIRS)("%s: builds an error with that code, the reason and the message", (code, make) => {
    const e = make("SOME_REASON", "something happened");
    expect(e).toBeInstanceOf(WeftError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("WeftError");
    expect(e.code).toBe(code);
    expect(e.reason).toBe("SOME_REASON");
    expect(e.message).toBe("something happened");
    expect(e.metadata).toEqual({});
    expect(e.issues).toEqual([]);
    expect(e.mayHaveRun).toBe(false);
    expect(e.retryable).toBe(isRetryableByDefault(code));
  });

  it("uses the reason as the message when none is given", () => {
    expect(notFound("PRODUCT_NOT_FOUND").message).toBe("PRODUCT_NOT_FOUND");
  });

  it("keeps metadata, issues, cause, retryable and mayHaveRun from the options", () => {
    const cause = new Error("disk on fire");
    const e = invalidArgument("BAD_ORDER", "bad order", {
      metadata: { orderId: "o1" },
      issues: [{ path: ["items", 0, "qty"], message: "must be > 0" }],
      cause,
      retryable: true,
      mayHaveRun: true,
    });
    expect(e.metadata).toEqual({ orderId: "o1" });
    expect(e.issues).toEqual([{ path: ["items", 0, "qty"], message: "must be > 0" }]);
    expect(e.cause).toBe(cause);
    expect(e.retryable).toBe(true);
    expect(e.mayHaveRun).toBe(true);
  });

  it("retries only transient codes by default", () => {
    const retryable = ERROR_CODES.filter(isRetryableByDefault);
    expect([...retryable].sort()).toEqual(["ABORTED", "RESOURCE_EXHAUSTED", "UNAVAILABLE"]);
    expect(unavailable("DOWN").retryable).toBe(true);
    expect(unavailable("DOWN", "down", { retryable: false }).retryable).toBe(false);
    expect(notFound("GONE").retryable).toBe(false);
  });

  it("with() copies the error, changing only what is given", () => {
    const original = notFound("PRODUCT_NOT_FOUND", "no p1", { metadata: { id: "p1" } });
    const copy = original.with({ mayHaveRun: true, message: "still no p1" });
    expect(copy).not.toBe(original);
    expect(copy.code).toBe("NOT_FOUND");
    expect(copy.reason).toBe("PRODUCT_NOT_FOUND");
    expect(copy.message).toBe("still no p1");
    expect(copy.metadata).toEqual({ id: "p1" });
    expect(copy.mayHaveRun).toBe(true);
    expect(original.mayHaveRun).toBe(false);
    expect(original.message).toBe("no p1");
  });

  it("with() keeps may-have-run unsaid unless the original or the change says it", () => {
    const unsaid = internal("BOOM", "boom");
    const copy = unsaid.with({ metadata: { constraint: "c" } });
    expect(saysWhetherItRan(copy)).toBe(false);
    expect(copy.mayHaveRun).toBe(false);
    const said = internal("BOOM", "boom", { mayHaveRun: false }).with({ metadata: {} });
    expect(saysWhetherItRan(said)).toBe(true);
    expect(said.mayHaveRun).toBe(false);
    const ran = internal("BOOM", "boom", { mayHaveRun: true }).with({ message: "again" });
    expect([saysWhetherItRan(ran), ran.mayHaveRun]).toEqual([true, true]);
    const changed = unsaid.with({ mayHaveRun: false });
    expect(saysWhetherItRan(changed)).toBe(true);
  });
});

describe("predicates", () => {
  it.each(PAIRS.filter(([, , is]) => is !== undefined))(
    "is* for %s accepts only that code",
    (code, make, is) => {
      expect(is?.(make("R"))).toBe(true);
      const other = code === "NOT_FOUND" ? internal("R") : notFound("R");
      expect(is?.(other)).toBe(false);
      expect(is?.(new Error(code))).toBe(false);
      expect(is?.({ code, reason: "R", message: "m" })).toBe(false);
      expect(is?.(undefined)).toBe(false);
    },
  );

  it("isWeftError accepts Weft errors and rejects other throwables", () => {
    expect(isWeftError(notFound("R"))).toBe(true);
    for (const v of [new Error("x"), "NOT_FOUND", 42, null, undefined, {}, [], () => {}]) {
      expect(isWeftError(v)).toBe(false);
    }
  });

  it("isWeftError accepts a structurally foreign error only when it carries the brand", () => {
    const shape = { code: "NOT_FOUND", reason: "R", message: "m", metadata: {}, issues: [] };
    expect(isWeftError(shape)).toBe(false);
    expect(isNotFound(shape)).toBe(false);
    // What another copy of the package makes: not our class, but the same registered symbol.
    const branded = { ...shape, [Symbol.for("weft.error")]: true };
    expect(isWeftError(branded)).toBe(true);
    expect(isNotFound(branded)).toBe(true);
    expect(isWeftError({ ...shape, [Symbol("weft.error")]: true })).toBe(false);
    expect(isWeftError({ ...shape, [Symbol.for("weft.error")]: "yes" })).toBe(false);
  });
});

describe("normalizeError", () => {
  it("passes Weft errors through unchanged", () => {
    const e = notFound("R");
    expect(normalizeError(e)).toBe(e);
  });

  it.each([
    ["an Error", new TypeError("secret detail")],
    ["a string", "secret detail"],
    ["undefined", undefined],
    ["an object", { secret: "detail" }],
  ])("turns %s into INTERNAL with a generic message, keeping it as cause", (_, thrown) => {
    const e = normalizeError(thrown);
    expect(e.code).toBe("INTERNAL");
    expect(e.reason).toBe("INTERNAL");
    expect(e.message).toBe("internal error");
    expect(e.cause).toBe(thrown);
    expect(e.retryable).toBe(false);
  });
});

describe("error codes", () => {
  it("isErrorCode accepts exactly the fixed set", () => {
    for (const code of ERROR_CODES) expect(isErrorCode(code)).toBe(true);
    for (const v of ["not_found", "NOPE", "", 3, undefined, null])
      expect(isErrorCode(v)).toBe(false);
  });
});

describe("formatPath", () => {
  it("renders paths the way messages show them", () => {
    expect(formatPath(["items", 0, "quantity"])).toBe("items[0].quantity");
    expect(formatPath([0, "a"])).toBe("[0].a");
    expect(formatPath(["a", "b"])).toBe("a.b");
    expect(formatPath([])).toBe("(root)");
  });
});
