/**
 * Development tokens for the shop's HTTP API: HS256 JWTs signed with the shop's development
 * secret, which the gateway accepts outside production (see gateway.ts). Run it to print one:
 * the first argument is the subject, the others are scopes.
 *
 * @example
 * ```sh
 * TOKEN=$(npx tsx examples/shop/dev-token.ts staff-1 loyalty:read)
 * curl -s localhost:3000/loyalty/ada -H "authorization: Bearer $TOKEN"
 * ```
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { DEV_JWT_ISSUER, DEV_JWT_SECRET, LOYALTY_READ, SHOP_JWT_AUDIENCE } from "./gateway.js";

/** Options of {@link devToken}. */
export interface DevTokenOptions {
  /** Scopes granted (the `scope` claim). Default `["loyalty:read"]`. */
  scopes?: readonly string[];
  /** Lifetime, as jose reads it (`"1h"`, `"15m"`). Default `"1h"`. */
  expiresIn?: string;
}

/** A development token for `subject`, valid for the shop's gateway outside production. */
export function devToken(subject: string, options: DevTokenOptions = {}): Promise<string> {
  return new SignJWT({ scope: (options.scopes ?? [LOYALTY_READ]).join(" ") })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(subject)
    .setIssuer(DEV_JWT_ISSUER)
    .setAudience(SHOP_JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? "1h")
    .sign(new TextEncoder().encode(DEV_JWT_SECRET));
}

/** True when this file is the script being run (not imported). */
function isMain(): boolean {
  try {
    return realpathSync(process.argv[1] ?? "") === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isMain()) {
  const [subject = "dev-user", ...scopes] = process.argv.slice(2);
  console.log(await devToken(subject, scopes.length > 0 ? { scopes } : {}));
}
