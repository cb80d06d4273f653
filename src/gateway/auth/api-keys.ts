/**
 * API keys, configured by the SHA-256 of each key (the keys themselves are never stored). A
 * presented key is hashed and compared with every configured hash in constant time, with no early
 * exit, so timing tells nothing about which key (if any) matched.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Principal } from "../../core/index.js";
import type { ApiKeyEntry } from "../types.js";

/** Looks up the principal of an API key; undefined when no configured key matches. */
export interface ApiKeyVerifier {
  verify(key: string): Principal | undefined;
}

/** Makes a verifier for `entries` (their `sha256` checked by `defineGateway`). */
export function createApiKeyVerifier(entries: readonly ApiKeyEntry[]): ApiKeyVerifier {
  const keys = entries.map((entry) => ({
    hash: Buffer.from(entry.sha256, "hex"),
    principal: Object.freeze({
      id: entry.id,
      kind: "service" as const,
      scopes: [...(entry.scopes ?? [])],
    }),
  }));
  return {
    verify(key) {
      const hash = createHash("sha256").update(key, "utf8").digest();
      let found: Principal | undefined;
      for (const entry of keys) {
        if (timingSafeEqual(hash, entry.hash) && found === undefined) found = entry.principal;
      }
      return found;
    },
  };
}
