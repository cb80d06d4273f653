/**
 * `weft/testing/vitest`: the test helpers that need vitest (an optional peer dependency of Weft) —
 * the placement suite, the store conformance suite and `expectWeftError`. Everything that runs
 * without a test runner (harnesses, private servers, fake clock, replay) is in `weft/testing`.
 *
 * @example
 * ```ts
 * import { it, expect } from "vitest";
 * import { availablePlacements } from "weft/testing";
 * import { describePlacements, expectWeftError } from "weft/testing/vitest";
 *
 * describePlacements("shop", { definition: createShop, placements: await availablePlacements() }, (h) => {
 *   it("refuses an unknown product", async () => {
 *     await expectWeftError(h().client(catalog).get({ id: "nope" }), "NOT_FOUND");
 *   });
 * });
 * ```
 */

export {
  describeStoreConformance,
  type StoreConformanceOptions,
  type StoreHarness,
} from "../../store/conformance.js";
export { expectWeftError } from "../expect-weft-error.js";
export { describePlacements, type PlacementSuiteOptions } from "../placement-suite.js";
