/**
 * Which files under src/ are test-only, for the lint steps that look at production code
 * (check-cycles.mjs, check-file-sizes.mjs): tests (`*.test.ts`, `*.test-d.ts`), anything inside a
 * `fixtures/` or `conformance/` folder, and the `conformance.ts` entries of the suites. Everything
 * else under src/ is production code, `src/testing/` (published as `weft/testing`) included.
 */

/** Whether a path (relative to src/, `/`-separated) is test-only. */
export function isTestOnly(path) {
  const p = path.replaceAll("\\", "/");
  return (
    /\.test(-d)?\.ts$/.test(p) ||
    /(^|\/)(fixtures|conformance)\//.test(p) ||
    /(^|\/)conformance\.ts$/.test(p)
  );
}
