/**
 * The placement advisor (`weft/placement`): pure functions that suggest which services should
 * share a process, from measured traffic and the rules you give. `weft placement suggest` is its
 * command line; the dashboard's Placement page (`GET /api/placement`) shows it for a running app.
 *
 * @example
 * ```ts
 * import { suggestPlacement } from "weft/placement";
 * const { groups, explanation } = suggestPlacement({ k: 2, traffic: [{ from: "cart", to: "catalog", calls: 420 }] });
 * ```
 */
export { crossTraffic, pairTraffic, suggestPlacement } from "./advisor.js";
export { groupsSnippet, type PlacementConfig, placementConfig } from "./config.js";
export { EXACT_LIMIT } from "./exact.js";
export { formatRate } from "./explain.js";
export { type PlacementRequest, placementInput, serviceList } from "./request.js";
export { parseTraffic, type TrafficSource } from "./traffic.js";
export type {
  PairTraffic,
  PlacementAdvice,
  PlacementConstraints,
  PlacementInput,
  TrafficEdge,
} from "./types.js";
