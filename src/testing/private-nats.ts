/**
 * Private `nats-server` processes for tests that stop, restart, pause or kill a server: they never
 * touch the shared server. One server or a cluster of several, with JetStream, each on free
 * loopback ports and its own store folder, all removed at `stop()`.
 *
 * @example
 * ```ts
 * const nats = await startPrivateNats();
 * // ... nats.url, nats.restart(0), await nats.pause(0) / nats.resume(0), nats.kill(0)
 * await nats.stop();
 * ```
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import { isReachable } from "./services.js";

/** One server of a private NATS deployment. */
export interface PrivateNatsNode {
  readonly port: number;
  readonly clusterPort: number;
  readonly url: string;
  process: ChildProcess | undefined;
}

/** A private NATS server or cluster. */
export interface PrivateNats {
  /** All servers' URLs, comma-separated (what WEFT_NATS_URL takes). */
  readonly url: string;
  readonly nodes: readonly PrivateNatsNode[];
  /** Kills server `i` with SIGKILL (no goodbye to clients). */
  kill(i: number): Promise<void>;
  /** Starts server `i` again on the same ports and store. */
  start(i: number): Promise<void>;
  /** Kills then starts server `i`. */
  restart(i: number): Promise<void>;
  /**
   * Freezes server `i` (SIGSTOP): connections stay open, nothing answers. Resolves once every
   * thread of the server has stopped: the signal takes effect asynchronously, and a server still
   * running for a moment would answer calls a test means to make while it is frozen.
   */
  pause(i: number): Promise<void>;
  /** Thaws server `i` (SIGCONT). */
  resume(i: number): void;
  /** Stops every server and removes their folders. */
  stop(): Promise<void>;
}

/** Options of {@link startPrivateNats}. */
export interface PrivateNatsOptions {
  /** Number of servers; more than one forms a cluster. Default 1. */
  size?: number;
  /** The `nats-server` binary. Default: `nats-server` on PATH, else /usr/sbin/nats-server. */
  binary?: string;
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Resolves when every thread of process `pid` is stopped (read from /proc; at once elsewhere). */
function frozen(pid: number): Promise<void> {
  const allStopped = async () => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      return true; // no /proc (not Linux), or the process is gone
    }
    return tasks.every((task) => {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
        // "pid (comm) S …": the state follows the last ")"; T is stopped.
        return /^[Tt]/.test(stat.slice(stat.lastIndexOf(")") + 2));
      } catch {
        return true; // the thread exited
      }
    });
  };
  return waitUntil(allStopped, `nats-server ${pid} to stop`);
}

/** Starts a private NATS server (or cluster) with JetStream on free loopback ports. */
export async function startPrivateNats(options: PrivateNatsOptions = {}): Promise<PrivateNats> {
  const size = options.size ?? 1;
  const binary = options.binary ?? process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";
  const dir = mkdtempSync(join(tmpdir(), "weft-nats-"));
  const nodes: PrivateNatsNode[] = [];
  for (let i = 0; i < size; i++) {
    const port = await freePort();
    const clusterPort = await freePort();
    nodes.push({ port, clusterPort, url: `nats://127.0.0.1:${port}`, process: undefined });
  }
  const routes = nodes.map((n) => `nats://127.0.0.1:${n.clusterPort}`).join(",");

  const start = async (i: number) => {
    const node = nodes[i];
    if (node === undefined) throw new Error(`no NATS node ${i}`);
    const args = ["-a", "127.0.0.1", "-p", String(node.port), "-js", "-sd", join(dir, `n${i}`)];
    if (size > 1) {
      args.push(
        "-n",
        `n${i}`,
        "--cluster_name",
        "weft-test",
        "--cluster",
        `nats://127.0.0.1:${node.clusterPort}`,
      );
      args.push("--routes", routes);
    }
    node.process = spawn(binary, args, { stdio: "ignore" });
    await waitUntil(
      () => isReachable("127.0.0.1", node.port, 200),
      `nats-server on port ${node.port}`,
    );
  };

  const kill = async (i: number) => {
    const node = nodes[i];
    const child = node?.process;
    if (node === undefined || child === undefined) return;
    node.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await exited;
  };

  for (let i = 0; i < size; i++) await start(i);
  return {
    url: nodes.map((n) => n.url).join(","),
    nodes,
    kill,
    start,
    async restart(i) {
      await kill(i);
      await start(i);
    },
    async pause(i) {
      const child = nodes[i]?.process;
      if (child?.pid === undefined || !child.kill("SIGSTOP")) return;
      await frozen(child.pid);
    },
    resume(i) {
      nodes[i]?.process?.kill("SIGCONT");
    },
    async stop() {
      for (let i = 0; i < size; i++) await kill(i);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
