/**
 * Who is calling: credentials from the request's headers (`Authorization: Bearer <jwt>`,
 * `Authorization: ApiKey <key>` or `x-api-key: <key>`) checked according to the route's auth mode,
 * then the route's scopes. `none` routes never read credentials; `optional` routes accept a caller
 * without any, but refuse bad ones (a wrong token is never treated as no token).
 */
import type { IncomingMessage } from "node:http";
import type { Principal } from "../../core/index.js";
import { edgeError } from "../problem.js";
import type { AuthMode } from "../types.js";
import type { ApiKeyVerifier } from "./api-keys.js";
import type { JwtVerifier } from "./jwt.js";

/** What a route asks of its callers. */
export interface RouteAuth {
  readonly mode: AuthMode;
  readonly scopes: readonly string[];
}

/** Checks callers of routes. */
export interface Authenticator {
  /** The caller's principal (undefined for an anonymous caller); rejects with 401, 403 or 503. */
  authenticate(req: IncomingMessage, auth: RouteAuth): Promise<Principal | undefined>;
}

/** Makes the gateway's authenticator from the verifiers it has (either may be absent). */
export function createAuthenticator(
  realm: string,
  jwt: JwtVerifier | undefined,
  apiKeys: ApiKeyVerifier | undefined,
): Authenticator {
  const challenge = { "www-authenticate": `Bearer realm="${realm}"` };
  const missing = () =>
    edgeError(401, "UNAUTHENTICATED", "CREDENTIALS_MISSING", "this operation needs credentials", {
      headers: challenge,
    });
  const identify = async (req: IncomingMessage): Promise<Principal | undefined> => {
    const authorization = req.headers.authorization;
    let apiKey = req.headers["x-api-key"] as string | undefined;
    if (authorization !== undefined) {
      const space = authorization.indexOf(" ");
      const scheme = authorization.slice(0, space).toLowerCase();
      const value = authorization.slice(space + 1).trim();
      if (space > 0 && scheme === "bearer" && jwt !== undefined) return jwt.verify(value);
      if (space > 0 && scheme === "apikey") apiKey = value;
      else {
        throw edgeError(
          401,
          "UNAUTHENTICATED",
          "CREDENTIALS_UNSUPPORTED",
          "this Authorization scheme is not accepted",
          {
            headers: challenge,
          },
        );
      }
    }
    if (apiKey === undefined) return undefined;
    const principal = apiKeys?.verify(apiKey);
    if (principal === undefined) {
      throw edgeError(401, "UNAUTHENTICATED", "API_KEY_INVALID", "the API key is not valid", {
        headers: challenge,
      });
    }
    return principal;
  };
  return {
    async authenticate(req, auth) {
      if (auth.mode === "none") return undefined;
      const principal = await identify(req);
      if (principal === undefined) {
        if (auth.mode === "required" || auth.scopes.length > 0) throw missing();
        return undefined;
      }
      const granted = principal.scopes ?? [];
      const lacking = auth.scopes.filter((s) => !granted.includes(s));
      if (lacking.length > 0) {
        throw edgeError(
          403,
          "PERMISSION_DENIED",
          "SCOPE_MISSING",
          `this operation needs the scope(s) ${lacking.join(", ")}`,
          {
            metadata: { required: auth.scopes.join(" "), missing: lacking.join(" ") },
          },
        );
      }
      return principal;
    },
  };
}
