/**
 * The environment `weft dev` gives the app it runs: the caller's, without the variables that
 * would split the app or move its store (`weft dev` runs every group in one process on SQLite),
 * with the ports pinned so that a restart listens where the last start did, and with a short
 * shutdown grace (unless one is set) so that a restart does not wait long for in-flight calls.
 */

/** The shutdown grace of an app under `weft dev` when `WEFT_SHUTDOWN_GRACE` is not set. */
export const DEV_SHUTDOWN_GRACE = "3s";

/** Variables `weft dev` removes: they select PostgreSQL, NATS or a subset of the groups. */
export const SPLIT_VARIABLES = [
  "WEFT_DATABASE_URL",
  "WEFT_NATS_URL",
  "WEFT_GROUP",
  // Each may be given as a file too (config.ts reads `*_FILE`).
  "WEFT_DATABASE_URL_FILE",
  "WEFT_NATS_URL_FILE",
  "WEFT_GROUP_FILE",
] as const;

/** Ports of the app run by `weft dev`; unset means the app's own configuration decides. */
export interface DevPorts {
  /** The gateway's port (sets `WEFT_HTTP_PORT`). */
  readonly http?: number | undefined;
  /** The admin server's port, which serves the dashboard (sets `WEFT_ADMIN_PORT`). */
  readonly admin?: number | undefined;
}

/** The app's environment and which of the caller's variables were left out. */
export interface DevEnvironment {
  readonly env: Record<string, string>;
  /** Names from {@link SPLIT_VARIABLES} that were set and are not passed on. */
  readonly ignored: readonly string[];
}

/** Builds the app's environment from the caller's `env`, without split variables, with `ports`. */
export function devEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  ports: DevPorts = {},
): DevEnvironment {
  const out: Record<string, string> = {};
  const ignored: string[] = [];
  const split = new Set<string>(SPLIT_VARIABLES);
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (split.has(key)) {
      if (value !== "") ignored.push(key);
      continue;
    }
    out[key] = value;
  }
  if (out.WEFT_SHUTDOWN_GRACE === undefined && out.WEFT_SHUTDOWN_GRACE_FILE === undefined) {
    out.WEFT_SHUTDOWN_GRACE = DEV_SHUTDOWN_GRACE;
  }
  if (ports.http !== undefined) out.WEFT_HTTP_PORT = String(ports.http);
  if (ports.admin !== undefined) out.WEFT_ADMIN_PORT = String(ports.admin);
  return { env: out, ignored: SPLIT_VARIABLES.filter((name) => ignored.includes(name)) };
}
