/**
 * From measured traffic and the rules a person gave (on the command line or in the dashboard) to
 * the advisor's input: the source's own rules and the given ones are added up, and today's
 * grouping comes along to compare with.
 */
import type { TrafficSource } from "./traffic.js";
import type { PlacementConstraints, PlacementInput } from "./types.js";

/** Rules and settings for one suggestion, besides the traffic. */
export interface PlacementRequest {
  /** Number of processes (groups). */
  readonly k: number;
  /** What a cut costs. Default calls. */
  readonly weight?: "calls" | "bytes";
  /** Lists of services that must share a group (added to the source's). */
  readonly together?: readonly (readonly string[])[];
  /** Lists of services that must be in different groups (added to the source's). */
  readonly apart?: readonly (readonly string[])[];
  /** Service → named group (over the source's). */
  readonly fixed?: Readonly<Record<string, string>>;
  /** Most services in one group (instead of the source's). */
  readonly maxServices?: number;
  /** Most load in one group (instead of the source's). */
  readonly maxLoad?: number;
  /** Allow fewer than k groups when that costs less. Default false. */
  readonly allowFewer?: boolean;
}

/** `"cart, catalog"` → `["cart", "catalog"]` (empty names dropped). */
export function serviceList(text: string): string[] {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** The advisor's input for `source` with the rules of `request`. */
export function placementInput(source: TrafficSource, request: PlacementRequest): PlacementInput {
  const base = source.constraints ?? {};
  const maxServices = request.maxServices ?? base.maxServices;
  const maxLoad = request.maxLoad ?? base.maxLoad;
  const constraints: PlacementConstraints = {
    together: [...(base.together ?? []), ...(request.together ?? [])],
    apart: [...(base.apart ?? []), ...(request.apart ?? [])],
    fixed: { ...(base.fixed ?? {}), ...(request.fixed ?? {}) },
    ...(maxServices === undefined ? {} : { maxServices }),
    ...(maxLoad === undefined ? {} : { maxLoad }),
  };
  return {
    k: request.k,
    services: source.services,
    traffic: source.traffic,
    weight: request.weight ?? "calls",
    constraints,
    ...(source.groups === undefined ? {} : { current: source.groups }),
    ...(source.oneProcess === undefined ? {} : { oneProcessNow: source.oneProcess }),
    allowFewer: request.allowFewer === true,
  };
}
