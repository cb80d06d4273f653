import { describe, expect, it } from "vitest";
import { isoTimestamp } from "./types.js";

describe("isoTimestamp", () => {
  it("turns PostgreSQL UTC timestamps into ISO 8601 with at least milliseconds", () => {
    expect(isoTimestamp("2024-05-01 10:00:00+00")).toBe("2024-05-01T10:00:00.000Z");
    expect(isoTimestamp("2024-05-01 10:00:00.12+00")).toBe("2024-05-01T10:00:00.120Z");
    expect(isoTimestamp("2024-05-01 10:00:00.123456+00")).toBe("2024-05-01T10:00:00.123456Z");
    expect(isoTimestamp("2024-05-01 10:00:00.5")).toBe("2024-05-01T10:00:00.500");
    expect(isoTimestamp("infinity")).toBe("infinity");
  });
});
