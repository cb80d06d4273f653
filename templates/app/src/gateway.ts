/** The HTTP API: routes from HTTP to contract methods (see docs/gateway.md of weft). */
import { defineGateway, type Gateway, route } from "weft/gateway";
import { greeter } from "./services/greeter/contract.js";
import { signups } from "./services/signups/contract.js";

/** A new gateway (each app definition needs its own). */
export function createGateway(): Gateway {
  return defineGateway("gateway", {
    routes: [
      route("POST /greet", greeter, "greet"),
      route("POST /signups", signups, "register", { status: 201 }),
      route("GET /signups/:id", signups, "status"),
    ],
  });
}
