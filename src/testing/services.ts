/**
 * Tests that need PostgreSQL or NATS skip with a one-line reason when the server is unreachable,
 * unless `WEFT_REQUIRE_SERVICES=1` (CI sets it), in which case they fail instead of skipping.
 *
 * @example
 * ```ts
 * const skip = await unreachable("nats");
 * describe.skipIf(skip)("over NATS", () => { ... });
 * ```
 */
import { connect } from "node:net";

/** Test servers and where they listen by default. */
export const TEST_SERVERS = {
  postgres: { host: "127.0.0.1", port: 5432, label: "PostgreSQL" },
  nats: { host: "127.0.0.1", port: 4222, label: "NATS" },
} as const;

/** Resolves true when a TCP connection to host:port succeeds within `timeoutMs`. */
export function isReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Returns false when the servers are reachable. Otherwise prints one line saying why the tests
 * skip and returns true — or throws when `WEFT_REQUIRE_SERVICES=1`.
 */
export async function unreachable(...servers: (keyof typeof TEST_SERVERS)[]): Promise<boolean> {
  for (const name of servers) {
    const { host, port, label } = TEST_SERVERS[name];
    if (await isReachable(host, port)) continue;
    const reason = `${label} is not reachable at ${host}:${port}`;
    if (process.env.WEFT_REQUIRE_SERVICES === "1") {
      throw new Error(`${reason}, and WEFT_REQUIRE_SERVICES=1 requires it`);
    }
    console.warn(`skipping: ${reason} (set WEFT_REQUIRE_SERVICES=1 to fail instead)`);
    return true;
  }
  return false;
}
