/**
 * Testing support: the placement conformance suite (one body of tests, every placement) and
 * collision-free names for tests that share servers.
 *
 * @example
 * ```ts
 * import { describePlacements, uniqueName } from "weft/testing";
 * ```
 */
export {
  describePlacements,
  LOCAL_PLACEMENTS,
  type PlacementHarness,
  type PlacementName,
  type PlacementSuiteOptions,
  startLocal,
} from "./placement-suite.js";
export { uniqueName } from "./unique-name.js";
