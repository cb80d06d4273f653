/** Weft's version, read once from its package.json (for `/api/app` and the OTel tracer). */
import { readFileSync } from "node:fs";

let cached: string | undefined;

/** The installed Weft version, or `unknown` when its package.json cannot be read. */
export function weftVersion(): string {
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      cached = typeof pkg.version === "string" ? pkg.version : "unknown";
    } catch {
      cached = "unknown";
    }
  }
  return cached as string;
}
