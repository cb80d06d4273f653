/** The lines `weft start` prints when an app is up: what runs here and what runs elsewhere. */
import pc from "picocolors";
import type { AppDescription } from "../core/index.js";

/** Formats an app description for people. */
export function formatBanner(d: AppDescription): string {
  const lines = [`${pc.bold(d.name)} ${pc.dim(`(${d.env})`)} is ${pc.green(d.state)}`];
  for (const [group, services] of Object.entries(d.groups)) {
    const here = d.running.includes(group);
    const where = here ? pc.green("this process") : pc.dim("elsewhere");
    lines.push(`  ${pc.cyan(group.padEnd(12))} ${services.join(", ")}  ${pc.dim("—")} ${where}`);
  }
  lines.push(pc.dim(`  transport: ${d.transport}`));
  return lines.join("\n");
}
