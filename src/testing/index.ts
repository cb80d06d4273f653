/**
 * Testing support that needs no test runner: apps started in each placement (one process,
 * serialized, split over NATS), private NATS and PostgreSQL servers, a fake clock, workflow replay
 * and collision-free names for tests that share servers. It imports neither vitest nor fast-check;
 * the vitest suites (`describePlacements`, `describeStoreConformance`, `expectWeftError`) are in
 * `weft/testing/vitest`.
 *
 * @example
 * ```ts
 * import { startLocal, uniqueName } from "weft/testing";
 * const h = await startLocal(shop, "serialized");
 * console.log(await h.client(catalog).get({ id: "p1" }), uniqueName("orders"));
 * await h.app.stop();
 * ```
 */

export { deleteEventStream } from "./event-streams.js";
export { createFakeClock, type FakeClock } from "./fake-clock.js";
export { freePort } from "./free-port.js";
export {
  availablePlacements,
  LOCAL_PLACEMENTS,
  type PlacementHarness,
  type PlacementName,
  startLocal,
} from "./placements.js";
export {
  type PrivateNats,
  type PrivateNatsNode,
  type PrivateNatsOptions,
  startPrivateNats,
} from "./private-nats.js";
export { findPostgresBin, type PrivatePostgres, startPrivatePostgres } from "./private-postgres.js";
export { type ReplayFailure, type ReplayReport, replayAll } from "./replay.js";
export { isReachable, missingTool, TEST_SERVERS, type TestTool, unreachable } from "./services.js";
export {
  type GroupProcess,
  type SplitHarness,
  type SplitOptions,
  startSplit,
} from "./split-harness.js";
export { uniqueName } from "./unique-name.js";
