/**
 * The root `weft` entry stays small and documented: at most 60 runtime exports (types are free),
 * each with JSDoc on its declaration, and the plumbing stays in `weft/spi`.
 */
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as root from "./index.js";
import * as spi from "./spi/index.js";

const MAX_ROOT_RUNTIME_EXPORTS = 60;
const entry = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Per entry file, every export (types included) whose declarations carry no JSDoc. */
function undocumentedExports(files: readonly string[]): Record<string, string[]> {
  const program = ts.createProgram(files, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const report: Record<string, string[]> = {};
  for (const file of files) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    if (moduleSymbol === undefined) throw new Error(`${file} is not a module`);
    const missing: string[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declarations = symbol.getDeclarations() ?? [];
      // Re-exported third-party types (StandardSchemaV1) are documented where they come from.
      if (declarations.some((d) => d.getSourceFile().fileName.includes("/node_modules/"))) continue;
      if (!declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0))
        missing.push(exported.getName());
    }
    report[file] = missing.sort();
  }
  return report;
}

describe("the root entry", () => {
  it(`has at most ${MAX_ROOT_RUNTIME_EXPORTS} runtime exports`, () => {
    const names = Object.keys(root).sort();
    expect(
      names.length,
      `weft exports ${names.length} runtime names (limit ${MAX_ROOT_RUNTIME_EXPORTS}): ${names.join(", ")}`,
    ).toBeLessThanOrEqual(MAX_ROOT_RUNTIME_EXPORTS);
  });

  it("keeps transport and extension plumbing in weft/spi, not in the root", () => {
    const plumbing = ["callHeaders", "errorToWire", "notePayloadBytes", "signPrincipal"];
    for (const name of plumbing) {
      expect(Object.keys(spi)).toContain(name);
      expect(Object.keys(root)).not.toContain(name);
    }
    const both = Object.keys(spi).filter((name) => name in root);
    expect(both, `exported by both weft and weft/spi: ${both.join(", ")}`).toEqual([]);
  });

  it("documents every export (types included) with JSDoc on its declaration", () => {
    const files = [entry("./index.ts"), entry("./spi/index.ts")];
    expect(undocumentedExports(files)).toEqual(Object.fromEntries(files.map((f) => [f, []])));
  });
});
