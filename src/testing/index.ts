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
  describeStoreConformance,
  type StoreConformanceOptions,
  type StoreHarness,
} from "../store/conformance.js";
export { deleteEventStream } from "./event-streams.js";
export { expectWeftError } from "./expect-weft-error.js";
export { createFakeClock, type FakeClock } from "./fake-clock.js";
export { freePort } from "./free-port.js";
export {
  availablePlacements,
  describePlacements,
  LOCAL_PLACEMENTS,
  type PlacementHarness,
  type PlacementName,
  type PlacementSuiteOptions,
  startLocal,
} from "./placement-suite.js";
export {
  type PrivateNats,
  type PrivateNatsNode,
  type PrivateNatsOptions,
  startPrivateNats,
} from "./private-nats.js";
export { findPostgresBin, type PrivatePostgres, startPrivatePostgres } from "./private-postgres.js";
export { type ReplayFailure, type ReplayReport, replayAll } from "./replay.js";
export { isReachable, TEST_SERVERS, unreachable } from "./services.js";
export {
  type GroupProcess,
  type SplitHarness,
  type SplitOptions,
  startSplit,
} from "./split-harness.js";
export { uniqueName } from "./unique-name.js";
