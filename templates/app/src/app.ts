/**
 * The app: every service, the workflows, and placement. `weft start` runs every group in one
 * process; `weft start --group core` (with WEFT_NATS_URL and WEFT_DATABASE_URL) runs one group
 * and reaches the others over NATS. Which services share a process is decided here, never in the
 * services' code.
 */
import { type AppDefinition, defineApp } from "weft";
import { createGateway } from "./gateway.js";
import { greeterImpl } from "./services/greeter/impl.js";
import { signupsImpl } from "./services/signups/impl.js";
import { welcome } from "./workflows/welcome.js";

/** Defines the app (a function: each app, and each test, gets its own gateway). */
export function appDefinition(): AppDefinition {
  return defineApp({
    name: "__APP_NAME__",
    services: [createGateway(), greeterImpl, signupsImpl],
    workflows: [welcome],
    groups: { edge: ["gateway"], core: ["greeter", "signups"] },
  });
}

export default appDefinition();
