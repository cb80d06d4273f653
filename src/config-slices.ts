/**
 * Every configuration slice Weft's own subsystems define. `createApp` from `weft` registers them
 * all, so each process knows every `WEFT_*` variable (a setting for a part it does not run, such as
 * `WEFT_HTTP_PORT` in a group without the gateway, is accepted, not reported as unknown); the CLI
 * lists them in its help and checks them in `weft deploy`.
 */
import type { ConfigSlice } from "./core/index.js";
import { GATEWAY_CONFIG } from "./gateway/config.js";
import { ADMIN_CONFIG } from "./observe/admin/config.js";
import { STORE_CONFIG } from "./store/config.js";
import { NATS_CONFIG } from "./transport/nats/config.js";

/** The built-in slices: store, NATS, gateway (HTTP and JWT), admin server. */
export const WEFT_CONFIG_SLICES: readonly ConfigSlice<unknown>[] = [
  STORE_CONFIG,
  NATS_CONFIG,
  GATEWAY_CONFIG,
  ADMIN_CONFIG,
];
