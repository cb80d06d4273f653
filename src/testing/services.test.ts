/** `missingTool`: a present program runs the tests, a missing one skips with one line or fails. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { missingTool } from "./services.js";

const ABSENT = { label: "Frob", path: "/nonexistent/frob", enable: "apt-get install -y frob" };

describe("missingTool", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("returns false for an executable file", () => {
    expect(missingTool({ label: "Node", path: process.execPath, enable: "install Node" })).toBe(
      false,
    );
  });

  it("prints one line naming the path and how to enable the tests, and returns true", () => {
    vi.stubEnv("WEFT_REQUIRE_SERVICES", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(missingTool(ABSENT)).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(
      /^skipped: Frob not found at \/nonexistent\/frob — apt-get install -y frob/,
    );
  });

  it("throws under WEFT_REQUIRE_SERVICES=1", () => {
    vi.stubEnv("WEFT_REQUIRE_SERVICES", "1");
    expect(() => missingTool(ABSENT)).toThrow(/Frob not found at \/nonexistent\/frob/);
  });
});
