/**
 * A private PostgreSQL server for tests that stop, restart or break the server — never do that to
 * the shared one. It runs `initdb` and `pg_ctl` (found on PATH or under the Debian layout
 * `/usr/lib/postgresql/<version>/bin`) in a temp folder, on a free port, as the `postgres` user
 * when the tests run as root. The folder and the server go away on `close()`, and at process exit
 * if a test failed before it could close.
 *
 * @example
 * ```ts
 * const pg = await startPrivatePostgres();
 * afterAll(() => pg.close());
 * const store = await createPostgresStore({ url: pg.url, schema: "t" });
 * await pg.restart();
 * ```
 */
import { execFile, execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { freePort } from "./free-port.js";

/** A running private PostgreSQL server. */
export interface PrivatePostgres {
  /** TCP port on 127.0.0.1. */
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust auth). */
  readonly url: string;
  /** The temp folder holding the cluster, its socket and log; removed by `close()`. */
  readonly dir: string;
  /** Stops the server (fast shutdown: connections are terminated). */
  stop(): Promise<void>;
  /** Starts it again after `stop()`. */
  start(): Promise<void>;
  /** `pg_ctl restart -m fast`: drops every connection, then accepts new ones. */
  restart(): Promise<void>;
  /** Stops the server and removes its folder; safe to call twice. */
  close(): Promise<void>;
}

/** The folder holding `initdb` and `pg_ctl`, or undefined when PostgreSQL is not installed. */
export function findPostgresBin(): string | undefined {
  const has = (dir: string) => existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"));
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir && has(dir)) return dir;
  const root = join("/", "usr", "lib", "postgresql");
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const dir = join(root, version, "bin");
    if (has(dir)) return dir;
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;

/** The command line to run `bin/name args` as the postgres user when we are root. */
function asPostgres(bin: string, name: string, args: string[]): [string, string[]] {
  const command = join(bin, name);
  return isRoot() ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function run(bin: string, name: string, args: string[]): Promise<void> {
  const [command, argv] = asPostgres(bin, name, args);
  return new Promise((resolve, reject) => {
    execFile(command, argv, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${name} failed: ${stderr || error.message}`));
      else resolve();
    });
  });
}

/** Creates a cluster in a temp folder and starts it; throws when PostgreSQL is not installed. */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = findPostgresBin();
  if (bin === undefined) throw new Error("PostgreSQL server binaries (initdb, pg_ctl) not found");
  const dir = mkdtempSync(join(tmpdir(), "weft-pg-"));
  const data = join(dir, "data");
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (...args: string[]) =>
    run(bin, "pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", ...args]);
  let closed = false;
  const removeSync = () => {
    try {
      const [command, argv] = asPostgres(bin, "pg_ctl", ["-D", data, "-m", "immediate", "stop"]);
      execFileSync(command, argv, { stdio: "ignore", timeout: 30_000 });
    } catch {
      // Not running.
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", removeSync);
  try {
    await run(bin, "initdb", [
      "-D",
      data,
      "-A",
      "trust",
      "-U",
      "postgres",
      "--no-sync",
      "-E",
      "UTF8",
    ]);
    await ctl("-o", settings, "start");
  } catch (e) {
    process.off("exit", removeSync);
    removeSync();
    throw e;
  }
  return {
    port,
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => ctl("-m", "fast", "stop"),
    start: () => ctl("-o", settings, "start"),
    restart: () => ctl("-m", "fast", "-o", settings, "restart"),
    async close() {
      if (closed) return;
      closed = true;
      process.off("exit", removeSync);
      await ctl("-m", "fast", "stop").catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
