/** The lines `weft start` prints when an app is up: what runs here and what runs elsewhere. */
import pc from "picocolors";
import type { AppDescription } from "../core/index.js";

/** Formats an app description for people (with the admin server's URL, when it runs one). */
export function formatBanner(d: AppDescription & { readonly admin?: string | null }): string {
  const lines = [`${pc.bold(d.name)} ${pc.dim(`(${d.env})`)} is ${pc.green(d.state)}`];
  for (const [group, services] of Object.entries(d.groups)) {
    const here = d.running.includes(group);
    const where = here ? pc.green("this process") : pc.dim("elsewhere");
    lines.push(`  ${pc.cyan(group.padEnd(12))} ${services.join(", ")}  ${pc.dim("—")} ${where}`);
  }
  lines.push(pc.dim(`  transport: ${d.transport}`));
  if (typeof d.admin === "string") {
    lines.push(pc.dim(`  admin:     ${d.admin}  (/readyz, /metrics, /api/traces)`));
  }
  return lines.join("\n");
}
