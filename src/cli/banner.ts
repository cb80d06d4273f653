/**
 * The lines `weft start` prints when an app is up: what runs here and what runs elsewhere, the
 * gateway's URL, the admin server's, and where the store lives.
 */
import pc from "picocolors";
import type { AppDescription } from "../core/index.js";

/** What `weft start` adds to the app's description: where it answers and keeps its data. */
export interface BannerExtras {
  /** The admin server's URL, or null when it runs none. */
  readonly admin?: string | null;
  /** The gateway's base URL, or null when the app has no gateway here. */
  readonly http?: string | null;
  /** Where the store lives, for people, or null when the app keeps no state. */
  readonly store?: string | null;
}

/** Formats an app description for people (with its HTTP, admin and store, when it has them). */
export function formatBanner(d: AppDescription & BannerExtras): string {
  const lines = [`${pc.bold(d.name)} ${pc.dim(`(${d.env})`)} is ${pc.green(d.state)}`];
  for (const [group, services] of Object.entries(d.groups)) {
    const here = d.running.includes(group);
    const where = here ? pc.green("this process") : pc.dim("elsewhere");
    lines.push(`  ${pc.cyan(group.padEnd(12))} ${services.join(", ")}  ${pc.dim("—")} ${where}`);
  }
  lines.push(pc.dim(`  transport: ${d.transport}`));
  if (d.http !== undefined) {
    lines.push(
      d.http === null ? pc.dim("  http:      no gateway") : `  http:      ${pc.bold(d.http)}`,
    );
  }
  if (d.store !== undefined) {
    lines.push(pc.dim(`  store:     ${d.store ?? "none (the app keeps no state)"}`));
  }
  if (typeof d.admin === "string") {
    lines.push(pc.dim(`  admin:     ${d.admin}  (/readyz, /metrics, /api/traces)`));
  }
  return lines.join("\n");
}
