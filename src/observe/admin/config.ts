/**
 * The admin server's slice of configuration (health, metrics, traces, management, dashboard).
 * Default `127.0.0.1:9464`: loopback only; binding elsewhere requires `WEFT_ADMIN_TOKEN`, sent as
 * `Authorization: Bearer <token>` — a rule checked with every other config problem, before start.
 *
 * @example
 * ```ts
 * const { host, port, token } = app.config.get(ADMIN_CONFIG);
 * ```
 */
import { isLoopback } from "../../core/config.js";
import { defineConfigSlice } from "../../core/config-slice.js";
import { atLeast, port, text } from "../../core/config-values.js";

declare module "../../core/config.js" {
  interface ConfigInput {
    readonly adminHost?: string;
    readonly adminPort?: number | string;
    readonly adminToken?: string;
  }
}

/** The resolved admin slice. */
export interface AdminConfig {
  readonly host: string;
  readonly port: number;
  /** Bearer token for the admin API; required when `host` is not loopback. */
  readonly token: string | undefined;
}

/** The admin server's config slice (`app.config.get(ADMIN_CONFIG)`). */
export const ADMIN_CONFIG = defineConfigSlice({
  name: "admin",
  variables: {
    adminHost: {
      env: "WEFT_ADMIN_HOST",
      help: "admin listen address (default 127.0.0.1)",
      shownDefault: "127.0.0.1",
      parse: text,
    },
    adminPort: {
      env: "WEFT_ADMIN_PORT",
      help: "admin port (default 9464; 0 = any free port)",
      shownDefault: "9464",
      parse: port,
    },
    adminToken: {
      env: "WEFT_ADMIN_TOKEN",
      secret: true,
      help: "bearer token for the admin API (required off loopback)",
      parse: atLeast(16),
    },
  },
  resolve: (v, context): AdminConfig => {
    if (v.adminHost !== undefined && !isLoopback(v.adminHost) && v.adminToken === undefined) {
      context.report(
        "adminToken",
        `required when the admin server binds to ${v.adminHost} (not loopback): management endpoints must not be open`,
      );
    }
    return { host: v.adminHost ?? "127.0.0.1", port: v.adminPort ?? 9464, token: v.adminToken };
  },
});
