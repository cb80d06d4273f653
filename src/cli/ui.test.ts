/** Colour rules, tables and the JSON mode of the CLI's output. */
import { describe, expect, it } from "vitest";
import { createUi, formatDuration, formatTable, shouldColor, visibleLength } from "./ui.js";

describe("shouldColor", () => {
  it("colours a terminal, never with NO_COLOR, always with FORCE_COLOR", () => {
    expect(shouldColor({}, true)).toBe(true);
    expect(shouldColor({}, false)).toBe(false);
    expect(shouldColor({ NO_COLOR: "1" }, true)).toBe(false);
    expect(shouldColor({ NO_COLOR: "" }, true)).toBe(true);
    expect(shouldColor({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(shouldColor({ FORCE_COLOR: "0" }, true)).toBe(false);
    expect(shouldColor({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
    expect(shouldColor({ TERM: "dumb" }, true)).toBe(false);
  });
});

describe("formatTable", () => {
  it("aligns columns by what shows on screen, colour escapes excluded", () => {
    const ui = createUi({ env: { FORCE_COLOR: "1" }, tty: { stdout: false, stderr: false } });
    const table = ui.table(
      ["ID", "STATUS", "NOTE"],
      [
        ["a", ui.c.green("completed"), "x"],
        ["bbbb", ui.c.red("failed"), ""],
      ],
    );
    const plain = table
      .split("\n")
      .map((l) => l.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g"), ""));
    expect(plain).toEqual(["ID    STATUS     NOTE", "a     completed  x", "bbbb  failed"]);
    expect(visibleLength(ui.c.green("ok"))).toBe(2);
    expect(table).toContain(String.fromCharCode(27));
  });

  it("has no escapes when colour is off", () => {
    expect(formatTable(["A", "B"], [["1", "2"]])).toBe("A  B\n1  2");
  });
});

describe("createUi", () => {
  it("prints one JSON document with --json and never calls the human printer", () => {
    const lines: string[] = [];
    const ui = createUi({
      json: true,
      out: (l) => lines.push(l),
      tty: { stdout: true, stderr: true },
    });
    ui.result({ a: 1 }, () => ui.out("human"));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toEqual({ a: 1 });
  });

  it("shows no spinner unless both outputs are terminals", () => {
    const writes: unknown[] = [];
    const original = process.stderr.write;
    process.stderr.write = ((chunk: unknown) =>
      writes.push(chunk) > 0) as typeof process.stderr.write;
    try {
      createUi({ tty: { stdout: false, stderr: true }, env: {} })
        .spinner("working")
        .stop();
      createUi({ json: true, tty: { stdout: true, stderr: true }, env: {} })
        .spinner("working")
        .stop();
      expect(writes).toEqual([]);
      createUi({ tty: { stdout: true, stderr: true }, env: {} })
        .spinner("working")
        .stop();
      expect(String(writes[0])).toContain("working");
      expect(String(writes.at(-1))).toBe("\r\u001b[K");
    } finally {
      process.stderr.write = original;
    }
  });

  it("formats durations for people", () => {
    expect(formatDuration(12)).toBe("12 ms");
    expect(formatDuration(2400)).toBe("2.4 s");
    expect(formatDuration(192_000)).toBe("3 m 12 s");
    expect(formatDuration(5 * 3600_000 + 120_000)).toBe("5 h 2 m");
  });
});
