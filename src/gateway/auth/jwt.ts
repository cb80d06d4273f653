/**
 * Bearer JWTs, verified with `jose` against a JWKS URL, a PEM public key or an HS256 secret.
 * Issuer, audience, expiry and an algorithm allowlist are always enforced: `alg: none` never
 * passes, and an HS256 token can only be checked against the configured secret — never against a
 * public key used as an HMAC secret (the RS/HS confusion attack).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { createRemoteJWKSet, errors, type JWTPayload, jwtVerify } from "jose";
import {
  failedPrecondition,
  type Principal,
  toMilliseconds,
  type WeftError,
} from "../../core/index.js";
import type { JwtConfig } from "../config.js";
import { edgeError } from "../problem.js";
import type { JwtOptions } from "../types.js";

/** JWT settings after merging the app's config into the gateway's options. */
export interface JwtSettings {
  readonly issuer: string;
  readonly audience: string | readonly string[];
  readonly jwksUrl: string | undefined;
  readonly publicKey: string | undefined;
  readonly secret: string | undefined;
  readonly algorithms: readonly string[] | undefined;
  readonly clockToleranceS: number;
}

/**
 * Merges `WEFT_JWT_*` config over the gateway's `auth.jwt`. Undefined when no key is configured
 * (JWTs are not accepted); throws FAILED_PRECONDITION when keys are but issuer or audience is not.
 */
export function resolveJwtSettings(
  options: JwtOptions | undefined,
  config: JwtConfig,
  gateway: string,
): JwtSettings | undefined {
  const pick = <K extends keyof JwtConfig>(key: K) => config[key] ?? options?.[key];
  const jwksUrl = pick("jwksUrl");
  const publicKey = pick("publicKey");
  const secret = pick("secret");
  if (jwksUrl === undefined && publicKey === undefined && secret === undefined) return undefined;
  const issuer = pick("issuer");
  const audience = config.audience ?? options?.audience;
  if (issuer === undefined || audience === undefined) {
    throw failedPrecondition(
      "JWT_CONFIG_INCOMPLETE",
      `gateway ${gateway} verifies JWTs but has no ${issuer === undefined ? "issuer" : "audience"}: set WEFT_JWT_ISSUER and WEFT_JWT_AUDIENCE (or auth.jwt.issuer and auth.jwt.audience); both are always checked`,
    );
  }
  return {
    issuer,
    audience,
    jwksUrl,
    publicKey,
    secret,
    algorithms: options?.algorithms,
    clockToleranceS: toMilliseconds(options?.clockTolerance ?? "30s") / 1000,
  };
}

const JWKS_ALGORITHMS = ["RS256", "PS256", "ES256", "ES384", "EdDSA", "Ed25519"];

/** The algorithms a PEM public key can verify. */
function algorithmsOf(key: KeyObject): string[] {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return ["RS256", "PS256"];
    case "rsa-pss":
      return ["PS256"];
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === "secp384r1" ? ["ES384"] : curve === "secp521r1" ? ["ES512"] : ["ES256"];
    }
    case "ed25519":
      return ["EdDSA", "Ed25519"];
    default:
      return [];
  }
}

/** Verifies bearer tokens; resolves the caller's principal or rejects with a Weft error. */
export interface JwtVerifier {
  verify(token: string): Promise<Principal>;
}

/** Makes a verifier. Throws FAILED_PRECONDITION for an unreadable public key. */
export function createJwtVerifier(settings: JwtSettings, gateway: string): JwtVerifier {
  let publicKey: KeyObject | undefined;
  if (settings.publicKey !== undefined) {
    try {
      publicKey = createPublicKey(settings.publicKey.replace(/\\n/g, "\n"));
    } catch (e) {
      throw failedPrecondition(
        "JWT_KEY_INVALID",
        `gateway ${gateway}: the JWT public key is not a PEM public key (${(e as Error).message})`,
      );
    }
  }
  const secret =
    settings.secret === undefined ? undefined : new TextEncoder().encode(settings.secret);
  const jwks =
    settings.jwksUrl === undefined ? undefined : createRemoteJWKSet(new URL(settings.jwksUrl));
  const derived = new Set<string>();
  if (secret !== undefined) derived.add("HS256");
  if (publicKey !== undefined) for (const a of algorithmsOf(publicKey)) derived.add(a);
  if (jwks !== undefined) for (const a of JWKS_ALGORITHMS) derived.add(a);
  const algorithms = [...(settings.algorithms ?? derived)].filter(
    (a) => a.toLowerCase() !== "none",
  );
  const options = {
    issuer: settings.issuer,
    audience: settings.audience as string | string[],
    algorithms,
    clockTolerance: settings.clockToleranceS,
    requiredClaims: ["exp", "sub"],
  };
  const getKey = async (
    header: { alg?: string },
    token: Parameters<NonNullable<typeof jwks>>[1],
  ) => {
    // HMAC tokens are checked only with the secret: a public key is never an HMAC secret.
    if (header.alg?.startsWith("HS")) {
      if (secret === undefined) throw new errors.JOSEAlgNotAllowed("no HMAC secret is configured");
      return secret;
    }
    if (jwks !== undefined) {
      try {
        return await jwks(header as never, token);
      } catch (e) {
        if (publicKey === undefined || !(e instanceof errors.JWKSNoMatchingKey)) throw e;
      }
    }
    if (publicKey === undefined) throw new errors.JOSEAlgNotAllowed("no public key is configured");
    return publicKey;
  };
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, getKey, options));
      } catch (e) {
        throw tokenError(e);
      }
      return principalOf(payload);
    },
  };
}

/** The longest `sub` claim accepted. */
export const MAX_SUBJECT_LENGTH = 256;

/**
 * Throws 401 (TOKEN_SUBJECT_INVALID) unless `sub` is a string of 1 to {@link MAX_SUBJECT_LENGTH}
 * characters without U+0000: the principal id every service sees, in every placement.
 */
function checkSubject(sub: unknown): asserts sub is string {
  if (
    typeof sub === "string" &&
    sub.length > 0 &&
    sub.length <= MAX_SUBJECT_LENGTH &&
    !sub.includes("\u0000")
  ) {
    return;
  }
  throw edgeError(
    401,
    "UNAUTHENTICATED",
    "TOKEN_SUBJECT_INVALID",
    `the bearer token's sub claim must be a string of 1 to ${MAX_SUBJECT_LENGTH} characters`,
    { headers: { "www-authenticate": 'Bearer error="invalid_token"' } },
  );
}

/** The principal a verified token names. */
function principalOf(payload: JWTPayload): Principal {
  checkSubject(payload.sub);
  const scopes = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === "string") {
      for (const s of value.split(/\s+/)) if (s !== "") scopes.add(s);
    } else if (Array.isArray(value)) {
      for (const s of value) if (typeof s === "string" && s !== "") scopes.add(s);
    }
  };
  add(payload.scope);
  add(payload.scp);
  return { id: payload.sub, kind: "user", scopes: [...scopes], claims: payload };
}

function tokenError(e: unknown): WeftError {
  const header = { "www-authenticate": 'Bearer error="invalid_token"' };
  if (e instanceof errors.JWTExpired) {
    return edgeError(401, "UNAUTHENTICATED", "TOKEN_EXPIRED", "the bearer token has expired", {
      headers: header,
    });
  }
  const unreachable =
    e instanceof errors.JWKSTimeout ||
    (e instanceof TypeError && /fetch/i.test(e.message)) ||
    (e instanceof errors.JOSEError && e.code === "ERR_JOSE_GENERIC");
  if (unreachable) {
    return edgeError(
      503,
      "UNAVAILABLE",
      "JWKS_UNAVAILABLE",
      "the keys that verify bearer tokens cannot be fetched now",
      {
        cause: e,
      },
    );
  }
  return edgeError(401, "UNAUTHENTICATED", "TOKEN_INVALID", "the bearer token is not valid", {
    headers: header,
    cause: e,
  });
}
