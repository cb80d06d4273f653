/**
 * Placement: which services run in which process. Services are put in named groups; a process
 * runs one or more groups; calls to services of other groups go over the remote transport.
 * Placement is config, never code.
 */
import { ConfigError } from "./config.js";
import type { FieldIssue } from "./errors.js";

/** The group a process runs when the app declares no groups. */
export const DEFAULT_GROUP = "main";

/** Where each service runs, seen from one process. */
export interface Placement {
  /** Group of each service. */
  readonly groupOf: ReadonlyMap<string, string>;
  /** Groups this process runs. */
  readonly running: readonly string[];
  /** Services that run in this process. */
  readonly local: ReadonlySet<string>;
}

/**
 * Resolves placement (`run`: groups to run here; empty means all, `"none"` means a process that
 * only makes calls). Every service must belong to exactly one group, group members must be
 * services of the app, and the groups to run must exist; all problems are reported together.
 */
export function resolvePlacement(
  services: readonly string[],
  groups: Readonly<Record<string, readonly string[]>> | undefined,
  run: readonly string[] | "none",
): Placement {
  const issues: FieldIssue[] = [];
  const declared = groups ?? { [DEFAULT_GROUP]: services };
  const known = new Set(services);
  const groupOf = new Map<string, string>();
  for (const [group, members] of Object.entries(declared)) {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(group)) {
      issues.push({
        path: ["groups", group],
        message: 'group names use letters, digits, "-" and "_"',
      });
    }
    for (const service of members) {
      const other = groupOf.get(service);
      if (!known.has(service)) {
        issues.push({
          path: ["groups", group],
          message: `"${service}" is not a service of this app`,
        });
      } else if (other !== undefined) {
        issues.push({
          path: ["groups", group],
          message: `"${service}" is already in group "${other}"; a service belongs to one group`,
        });
      } else groupOf.set(service, group);
    }
  }
  for (const service of services) {
    if (!groupOf.has(service)) {
      issues.push({ path: ["groups"], message: `service "${service}" is in no group` });
    }
  }
  const running =
    run === "none" ? [] : run.length === 0 ? Object.keys(declared) : [...new Set(run)];
  for (const group of running) {
    // hasOwn, not `in`: "constructor" or "toString" must not pass for a declared group.
    if (!Object.hasOwn(declared, group)) {
      issues.push({
        path: ["group"],
        message: `no group "${group}" (groups: ${Object.keys(declared).join(", ")})`,
      });
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const runningSet = new Set(running);
  const local = new Set([...groupOf].filter(([, g]) => runningSet.has(g)).map(([s]) => s));
  return { groupOf, running, local };
}
