/**
 * Finds and loads an app definition module for the CLI. TypeScript modules load through tsx (the
 * `weft` command registers it), so users need no build step.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type AppDefinition, type AppSpec, defineApp, invalidArgument } from "../core/index.js";

/** Files tried, in order, when no entry is named. */
export const DEFAULT_ENTRIES = ["weft.config.ts", "weft.config.js", "src/app.ts", "app.ts"];

/** Resolves the entry module's path, or explains what was looked for. */
export function findEntry(entry: string | undefined, cwd: string): string {
  if (entry !== undefined) {
    const path = resolve(cwd, entry);
    if (existsSync(path)) return path;
    throw invalidArgument("ENTRY_NOT_FOUND", `no such file: ${entry}`, { metadata: { entry } });
  }
  for (const candidate of DEFAULT_ENTRIES) {
    const path = resolve(cwd, candidate);
    if (existsSync(path)) return path;
  }
  throw invalidArgument(
    "ENTRY_NOT_FOUND",
    `no app entry given and none of ${DEFAULT_ENTRIES.join(", ")} exists here; pass the file that default-exports defineApp({...})`,
  );
}

/**
 * Imports an entry and returns its app definition: the default export, or an export named `app`,
 * as a definition or a plain spec.
 */
export async function loadApp(path: string): Promise<AppDefinition> {
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  const candidate = (mod.default ?? mod.app) as AppDefinition | AppSpec | undefined;
  if (candidate === undefined || typeof candidate !== "object") {
    throw invalidArgument(
      "ENTRY_HAS_NO_APP",
      `${path} must default-export an app: export default defineApp({ name, services, ... })`,
    );
  }
  return (candidate as AppDefinition).kind === "weft.app"
    ? (candidate as AppDefinition)
    : defineApp(candidate as AppSpec);
}
