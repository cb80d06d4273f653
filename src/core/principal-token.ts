/**
 * Principals on the wire: a caller's identity travels between processes as a short-lived token
 * signed with the app's principal key (HMAC-SHA256), so a client connected to the bus cannot
 * forge one. Without a key, principals are not sent across processes at all.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Principal } from "./context.js";
import { unauthenticated } from "./errors.js";

/** Allowed clock difference between processes when checking expiry, in seconds. */
const LEEWAY_S = 30;

const b64 = (data: string | Buffer) => Buffer.from(data).toString("base64url");

/** Signs a principal for `ttlMs` (the call's remaining time, capped by the caller). */
export function signPrincipal(
  principal: Principal,
  key: string,
  app: string,
  ttlMs: number,
): string {
  const exp = Math.ceil((Date.now() + ttlMs) / 1000);
  const body = b64(JSON.stringify({ app, exp, p: principal }));
  const sig = createHmac("sha256", key).update(body).digest("base64url");
  return `${body}.${sig}`;
}

/**
 * Verifies a principal token for `app`. Throws UNAUTHENTICATED (reason PRINCIPAL_INVALID or
 * PRINCIPAL_EXPIRED) for a bad signature, another app's token, a malformed or an expired one.
 */
export function verifyPrincipal(token: string, key: string, app: string): Principal {
  const [body, sig, extra] = token.split(".");
  const invalid = () =>
    unauthenticated("PRINCIPAL_INVALID", "the caller's principal token is not valid");
  if (body === undefined || sig === undefined || extra !== undefined) throw invalid();
  const expected = createHmac("sha256", key).update(body).digest();
  const given = Buffer.from(sig, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  let claims: { app?: unknown; exp?: unknown; p?: unknown };
  try {
    claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (claims.app !== app || typeof claims.exp !== "number") throw invalid();
  if (claims.exp + LEEWAY_S < Date.now() / 1000) {
    throw unauthenticated("PRINCIPAL_EXPIRED", "the caller's principal token has expired");
  }
  const p = claims.p as Principal | undefined;
  if (typeof p !== "object" || p === null || typeof p.id !== "string") throw invalid();
  return p;
}
