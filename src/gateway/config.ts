/**
 * The gateway's slice of configuration: its HTTP listener (`WEFT_HTTP_HOST`, `WEFT_HTTP_PORT`) and
 * how it verifies JWTs (`WEFT_JWT_*`, `WEFT_JWKS_URL`; the gateway's `auth.jwt` option may add to
 * them). Registered by every gateway's extension, so each process of a split app knows the names.
 *
 * @example
 * ```ts
 * const { http, jwt } = app.config.get(GATEWAY_CONFIG);
 * ```
 */
import { defineConfigSlice } from "../core/config-slice.js";
import { atLeast, matching, port, text } from "../core/config-values.js";

declare module "../core/config.js" {
  interface ConfigInput {
    readonly httpHost?: string;
    readonly httpPort?: number | string;
    readonly jwtIssuer?: string;
    readonly jwtAudience?: string;
    readonly jwksUrl?: string;
    readonly jwtPublicKey?: string;
    readonly jwtSecret?: string;
  }
}

/** JWT verification settings read from config (the gateway's `auth` option may add to them). */
export interface JwtConfig {
  /** Required `iss`. */
  readonly issuer: string | undefined;
  /** Required `aud`. */
  readonly audience: string | undefined;
  /** URL of a JWKS document (RS256/ES256/EdDSA keys). */
  readonly jwksUrl: string | undefined;
  /** A PEM (SPKI) public key, for one static asymmetric key. */
  readonly publicKey: string | undefined;
  /** A shared secret for HS256 (at least 32 characters). */
  readonly secret: string | undefined;
}

/** The resolved gateway slice. */
export interface GatewayConfig {
  /** The HTTP listener. Default `0.0.0.0:3000` (port 0 picks a free port). */
  readonly http: { readonly host: string; readonly port: number };
  /** How JWTs are verified (each optional; code can set them too). */
  readonly jwt: JwtConfig;
}

/** The gateway's config slice (`app.config.get(GATEWAY_CONFIG)`). */
export const GATEWAY_CONFIG = defineConfigSlice({
  name: "gateway",
  variables: {
    httpHost: {
      env: "WEFT_HTTP_HOST",
      help: "gateway listen address (default 0.0.0.0)",
      shownDefault: "0.0.0.0",
      parse: text,
    },
    httpPort: {
      env: "WEFT_HTTP_PORT",
      help: "gateway port (default 3000; 0 = any free port)",
      shownDefault: "3000",
      parse: port,
    },
    jwtIssuer: { env: "WEFT_JWT_ISSUER", help: "required JWT issuer (iss)", parse: text },
    jwtAudience: { env: "WEFT_JWT_AUDIENCE", help: "required JWT audience (aud)", parse: text },
    jwksUrl: {
      env: "WEFT_JWKS_URL",
      help: "URL of the JWKS that signs JWTs",
      parse: matching(/^https?:\/\/\S+$/, "must be an http:// or https:// URL"),
    },
    jwtPublicKey: {
      env: "WEFT_JWT_PUBLIC_KEY",
      help: "PEM public key that signs JWTs",
      parse: text,
    },
    jwtSecret: {
      env: "WEFT_JWT_SECRET",
      secret: true,
      help: "HS256 secret, >= 32 characters",
      parse: atLeast(32),
    },
  },
  resolve: (v): GatewayConfig => ({
    http: { host: v.httpHost ?? "0.0.0.0", port: v.httpPort ?? 3000 },
    jwt: {
      issuer: v.jwtIssuer,
      audience: v.jwtAudience,
      jwksUrl: v.jwksUrl,
      publicKey: v.jwtPublicKey,
      secret: v.jwtSecret,
    },
  }),
});
