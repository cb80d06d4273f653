/** The lines main.ts prints once the shop is up: which groups run where, in plain words. */
import type { AppDescription } from "weft";
import type { GatewayInfo } from "weft/gateway";

/** Describes a started app for a newcomer, one fact per line. */
export function formatStartup(d: AppDescription): string[] {
  const width = Math.max(...Object.keys(d.groups).map((g) => g.length)) + 2;
  const lines = [`Started app "${d.name}" (env: ${d.env}).`, "Groups and their services:"];
  for (const [group, services] of Object.entries(d.groups)) {
    const where = d.running.includes(group) ? "" : "  (runs in another process)";
    lines.push(`  ${group.padEnd(width)}${services.join(", ")}${where}`);
  }
  if (d.remoteServices.length === 0) {
    lines.push(
      `All ${Object.keys(d.groups).length} groups run in this one process; calls between services never leave it (transport: ${d.transport}).`,
      "Placement is config: WEFT_GROUP picks the groups a process runs, with no code change.",
    );
  } else {
    lines.push(
      `This process runs ${d.running.join(", ")}; the rest is reached over ${d.transport}.`,
    );
  }
  return lines;
}

/** Says where the shop's HTTP API listens, with a first request to try. */
export function formatHttp(gateway: GatewayInfo): string[] {
  const lines = [
    `HTTP API: ${gateway.url} (${gateway.routes.length} routes; try: curl ${gateway.url}/products)`,
  ];
  if (gateway.openapiPath !== undefined) {
    lines.push(`OpenAPI document: ${gateway.url}${gateway.openapiPath}`);
  }
  if (gateway.routes.includes("GET /loyalty/:userId")) {
    lines.push(
      "GET /loyalty/:userId needs a token with scope loyalty:read; outside production make one with: npx tsx examples/shop/dev-token.ts staff-1 loyalty:read",
    );
  }
  return lines;
}
