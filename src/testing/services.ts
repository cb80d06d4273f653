/**
 * Tests that need PostgreSQL or NATS skip with a one-line reason when the server is unreachable,
 * and tests that need a local program (Chromium, promtool) skip with one line saying how to install
 * it — unless `WEFT_REQUIRE_SERVICES=1` (CI sets it), in which case they fail instead of skipping.
 *
 * @example
 * ```ts
 * const skip = await unreachable("nats");
 * describe.skipIf(skip)("over NATS", () => { ... });
 * const noBrowser = missingTool({ label: "Chromium", path: "/usr/bin/chromium", enable: "apt-get install -y chromium" });
 * ```
 */
import { accessSync, constants } from "node:fs";
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
    return skipOrFail(`${label} is not reachable at ${host}:${port}`);
  }
  return false;
}

/** A program some tests run: its name, where they look for it, and how to get it there. */
export interface TestTool {
  /** Name shown in the skip line, e.g. `"Chromium"`. */
  label: string;
  /** Absolute path of the executable the tests run. */
  path: string;
  /** How to enable the tests, e.g. `"apt-get install -y chromium"`. */
  enable: string;
}

/**
 * Returns false when `tool.path` is an executable file. Otherwise prints one line saying what is
 * skipped and how to enable it and returns true — or throws when `WEFT_REQUIRE_SERVICES=1`.
 */
export function missingTool(tool: TestTool): boolean {
  try {
    accessSync(tool.path, constants.X_OK);
    return false;
  } catch {
    return skipOrFail(`${tool.label} not found at ${tool.path} — ${tool.enable}`);
  }
}

function skipOrFail(reason: string): true {
  if (process.env.WEFT_REQUIRE_SERVICES === "1") {
    throw new Error(`${reason}; WEFT_REQUIRE_SERVICES=1 requires it`);
  }
  console.warn(`skipped: ${reason} (WEFT_REQUIRE_SERVICES=1 fails instead)`);
  return true;
}
