/**
 * The store's slice of configuration: where an app's store lives. `WEFT_DATABASE_URL` picks
 * PostgreSQL (a schema named after the app); without it the store is the SQLite file
 * `<WEFT_DATA_DIR>/<app>.sqlite`.
 *
 * @example
 * ```ts
 * const { databaseUrl, dataDir } = app.config.get(STORE_CONFIG);
 * ```
 */
import { defineConfigSlice } from "../core/config-slice.js";
import { matching, text } from "../core/config-values.js";

declare module "../core/config.js" {
  interface ConfigInput {
    /** PostgreSQL URL for the store (`WEFT_DATABASE_URL`); unset means SQLite. */
    readonly databaseUrl?: string;
    /** Folder of the SQLite store (`WEFT_DATA_DIR`). Default `.data`. */
    readonly dataDir?: string;
  }
}

/** Where the store lives. */
export interface StoreConfig {
  /** PostgreSQL URL for the store; unset means SQLite. */
  readonly databaseUrl: string | undefined;
  /** Folder of the SQLite store (`<dataDir>/<app>.sqlite`). Default `.data`. */
  readonly dataDir: string;
}

/** The store's config slice (`app.config.get(STORE_CONFIG)`). */
export const STORE_CONFIG = defineConfigSlice({
  name: "store",
  variables: {
    databaseUrl: {
      env: "WEFT_DATABASE_URL",
      secret: true,
      help: "postgres://… URL",
      parse: matching(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL"),
    },
    dataDir: {
      env: "WEFT_DATA_DIR",
      help: "folder of the SQLite store",
      shownDefault: ".data",
      parse: text,
    },
  },
  resolve: (v): StoreConfig => ({ databaseUrl: v.databaseUrl, dataDir: v.dataDir ?? ".data" }),
});
