/**
 * Connection options from Weft config: servers, user/password, token, NKey seed or creds file,
 * TLS files. Reconnects forever with a short, jittered wait, so a restarted or failed-over server
 * is found again quickly.
 */
import { readFileSync } from "node:fs";
import {
  credsAuthenticator,
  type NodeConnectionOptions,
  nkeyAuthenticator,
} from "@nats-io/transport-node";
import { inboxPrefix } from "../subjects.js";
import type { NatsAuthConfig } from "./config.js";

/**
 * Builds NATS connection options from a servers list and Weft's NATS auth config. With `app`,
 * replies come to the app's own inboxes (`_INBOX.weft.<app>.…`, see the subject registry).
 */
export function connectionOptions(
  servers: string | readonly string[],
  auth: Partial<NatsAuthConfig> = {},
  name?: string,
  app?: string,
): NodeConnectionOptions {
  const list = (typeof servers === "string" ? servers.split(",") : [...servers])
    .map((s) => s.trim())
    .filter(Boolean);
  const options: NodeConnectionOptions = {
    servers: list,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    reconnectJitter: 100,
    pingInterval: 10_000,
    maxPingOut: 3,
    timeout: 5_000,
    ...(name === undefined ? {} : { name }),
    ...(app === undefined ? {} : { inboxPrefix: inboxPrefix(app) }),
  };
  if (auth.token !== undefined) options.token = auth.token;
  if (auth.user !== undefined) options.user = auth.user;
  if (auth.password !== undefined) options.pass = auth.password;
  if (auth.credsFile !== undefined)
    options.authenticator = credsAuthenticator(readFileSync(auth.credsFile));
  else if (auth.nkeySeed !== undefined)
    options.authenticator = nkeyAuthenticator(new TextEncoder().encode(auth.nkeySeed));
  if (auth.tlsCaFile !== undefined || auth.tlsCertFile !== undefined) {
    options.tls = {
      ...(auth.tlsCaFile === undefined ? {} : { caFile: auth.tlsCaFile }),
      ...(auth.tlsCertFile === undefined ? {} : { certFile: auth.tlsCertFile }),
      ...(auth.tlsKeyFile === undefined ? {} : { keyFile: auth.tlsKeyFile }),
    };
  }
  return options;
}
