/**
 * The NATS slice of configuration: the servers an app splits over (`WEFT_NATS_URL`), and the
 * credentials and TLS files used to reach them. This module loads no NATS client, so the
 * composition root can read it in apps that never split.
 *
 * @example
 * ```ts
 * const { url, auth } = app.config.get(NATS_CONFIG);
 * ```
 */
import { defineConfigSlice, invalid } from "../../core/config-slice.js";
import { matching, text } from "../../core/config-values.js";

declare module "../../core/config.js" {
  interface ConfigInput {
    /** NATS servers (`WEFT_NATS_URL`, comma-separated URLs) for split placement. */
    readonly natsUrl?: string;
    readonly natsToken?: string;
    readonly natsUser?: string;
    readonly natsPassword?: string;
    readonly natsCredsFile?: string;
    readonly natsNkeySeed?: string;
    readonly natsTlsCaFile?: string;
    readonly natsTlsCertFile?: string;
    readonly natsTlsKeyFile?: string;
  }
}

/** How to authenticate to NATS and secure the connection. */
export interface NatsAuthConfig {
  readonly token: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Path of a `.creds` file (JWT and NKey seed). */
  readonly credsFile: string | undefined;
  /** An NKey seed (starts with `SU`). */
  readonly nkeySeed: string | undefined;
  /** PEM files for TLS. */
  readonly tlsCaFile: string | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
}

/** The resolved NATS slice. */
export interface NatsConfig {
  /** NATS servers (comma-separated URLs); unset means the app does not split. */
  readonly url: string | undefined;
  /** Credentials and TLS (each optional). */
  readonly auth: NatsAuthConfig;
}

/** The NATS config slice (`app.config.get(NATS_CONFIG)`). */
export const NATS_CONFIG = defineConfigSlice({
  name: "nats",
  variables: {
    natsUrl: {
      env: "WEFT_NATS_URL",
      secret: true,
      help: "nats://host:port[,…]",
      parse: (value: unknown) =>
        typeof value === "string" &&
        value.split(",").every((u) => /^(nats|tls|wss?):\/\/\S+$/.test(u.trim()))
          ? value
          : invalid("must be nats://host:port, or several separated by commas"),
    },
    natsToken: { env: "WEFT_NATS_TOKEN", secret: true, help: "NATS token", parse: text },
    natsUser: { env: "WEFT_NATS_USER", help: "NATS user", parse: text },
    natsPassword: { env: "WEFT_NATS_PASSWORD", secret: true, help: "NATS password", parse: text },
    natsCredsFile: { env: "WEFT_NATS_CREDS_FILE", help: "path of a NATS .creds file", parse: text },
    natsNkeySeed: {
      env: "WEFT_NATS_NKEY_SEED",
      secret: true,
      help: "NATS NKey seed (SU…)",
      parse: matching(/^SU[A-Z2-7]{50,}$/, "must be an NKey user seed (starts with SU)"),
    },
    natsTlsCaFile: { env: "WEFT_NATS_TLS_CA_FILE", help: "PEM file of the CA", parse: text },
    natsTlsCertFile: {
      env: "WEFT_NATS_TLS_CERT_FILE",
      help: "PEM client certificate",
      parse: text,
    },
    natsTlsKeyFile: { env: "WEFT_NATS_TLS_KEY_FILE", help: "PEM client key", parse: text },
  },
  resolve: (v): NatsConfig => ({
    url: v.natsUrl,
    auth: {
      token: v.natsToken,
      user: v.natsUser,
      password: v.natsPassword,
      credsFile: v.natsCredsFile,
      nkeySeed: v.natsNkeySeed,
      tlsCaFile: v.natsTlsCaFile,
      tlsCertFile: v.natsTlsCertFile,
      tlsKeyFile: v.natsTlsKeyFile,
    },
  }),
});
