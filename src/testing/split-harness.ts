/**
 * Runs an app split across processes for tests: one child process per group (`weft start
 * --group G`, the same command production uses), all sharing a NATS server, and a client-only app
 * in the test process. Every answer says which process gave it, so tests can assert that a callee
 * really ran elsewhere. Each child runs its admin server (as `weft start` does) on a free loopback
 * port, whose URL the harness reads from the child's startup line, so tests can read each
 * process's own traces, metrics and health.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { AppDefinition, AppOptions } from "../core/index.js";
import { createApp } from "../create-app.js";
import type { CallObservation } from "../transport/nats/index.js";
import type { PlacementHarness } from "./placements.js";
import { uniqueName } from "./unique-name.js";

/** A group running in a child process. */
export interface GroupProcess {
  readonly group: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Everything the child wrote to stderr so far (logs, errors). */
  readonly stderr: string[];
  /**
   * The child's admin server (`http://127.0.0.1:<port>`), from its `weft start --json` line;
   * undefined when it runs none (`WEFT_ADMIN_PORT` in `env` picks the port; default: a free one).
   */
  readonly admin: string | undefined;
  /**
   * The child's gateway (`http://127.0.0.1:<port>`), from the same line; undefined when its
   * groups have no gateway (`WEFT_HTTP_PORT` in `env` picks the port; default: a free one).
   */
  readonly http: string | undefined;
}

/** What a split harness adds to the placement harness. */
export interface SplitHarness extends PlacementHarness {
  readonly processes: readonly GroupProcess[];
  /** `pid` of the process that answered each call, by service. */
  readonly responders: ReadonlyMap<string, ReadonlySet<number>>;
  /** Stops the client app and every group process (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Options of {@link startSplit}. */
export interface SplitOptions {
  /** The module that default-exports the app definition (what `weft start` loads). */
  module: string | URL;
  /** The same definition, for the client app in the test process. */
  definition: AppDefinition;
  /** NATS server URL(s). */
  natsUrl: string;
  /** Groups to start, one process each. Default: every group of the definition. */
  groups?: readonly string[];
  /**
   * Extra environment for the children. `WEFT_ADMIN_PORT` and `WEFT_HTTP_PORT` default to `0`
   * (each child's admin server and gateway on a free loopback port, see
   * {@link GroupProcess.admin} and {@link GroupProcess.http}).
   */
  env?: Readonly<Record<string, string>>;
  /** Extra options for the client app. */
  appOptions?: AppOptions;
}

const BIN = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

function startGroup(
  module: string,
  group: string,
  env: Record<string, string | undefined>,
): Promise<GroupProcess> {
  const child = spawn(process.execPath, [BIN, "start", module, "--group", group, "--json"], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr.push(chunk));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(
      () => fail(new Error(`group ${group} did not start within 30 s`)),
      30_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${error.message}\n${stderr.join("")}`));
    };
    child.once("exit", (code) =>
      fail(new Error(`group ${group} exited with code ${code} before it was ready`)),
    );
    // Log lines may come first (the logger writes to stdout); the startup line says it is ready.
    const onLine = (line: string) => {
      const started = startupLine(line);
      if (started === undefined) return;
      lines.off("line", onLine);
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({ group, pid: child.pid as number, child, stderr, ...started });
    };
    lines.on("line", onLine);
  });
}

/** The admin and gateway URLs of a `weft start --json` startup line; undefined for any other line. */
function startupLine(
  line: string,
): { admin: string | undefined; http: string | undefined } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const startup =
    typeof parsed === "object" && parsed !== null && "admin" in parsed && "localServices" in parsed;
  if (!startup) return undefined;
  const { admin, http } = parsed as { admin: unknown; http?: unknown };
  return {
    admin: typeof admin === "string" ? admin : undefined,
    http: typeof http === "string" ? http : undefined,
  };
}

async function stopChild(p: GroupProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once("exit", () => r()));
  p.child.kill("SIGTERM");
  const timer = setTimeout(() => p.child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Starts every group in its own process and a client app here; resolves when all are ready. */
export async function startSplit(options: SplitOptions): Promise<SplitHarness> {
  const app = uniqueName(options.definition.name);
  const module = options.module instanceof URL ? fileURLToPath(options.module) : options.module;
  const groups = options.groups ?? Object.keys(options.definition.groups ?? { main: [] });
  const env = {
    ...process.env,
    WEFT_ADMIN_PORT: "0",
    WEFT_HTTP_PORT: "0",
    WEFT_HTTP_HOST: "127.0.0.1",
    ...options.env,
    WEFT_APP: app,
    WEFT_NATS_URL: options.natsUrl,
    WEFT_LOG_LEVEL: process.env.WEFT_LOG_LEVEL ?? "warn",
  };
  const processes: GroupProcess[] = [];
  try {
    for (const p of await Promise.all(groups.map((g) => startGroup(module, g, env))))
      processes.push(p);
  } catch (error) {
    await Promise.all(processes.map(stopChild));
    throw error;
  }
  const responders = new Map<string, Set<number>>();
  const observer = (o: CallObservation) => {
    const pid = Number(o.responder?.split("@")[0]);
    if (!Number.isInteger(pid)) return;
    let set = responders.get(o.service);
    if (set === undefined) {
      set = new Set();
      responders.set(o.service, set);
    }
    set.add(pid);
  };
  const { deleteEventStream } = await import("./event-streams.js");
  // Loaded here so that `weft/testing` works without a NATS client installed.
  const { createNatsTransport } = await import("../transport/nats/index.js");
  const client = createApp(options.definition, {
    ...options.appOptions,
    clientOnly: true,
    config: { ...options.appOptions?.config, app },
    transport: createNatsTransport({ servers: options.natsUrl, observer }),
  });
  await client.start();
  return {
    placement: "nats",
    app: client,
    http: processes.find((p) => p.http !== undefined)?.http,
    client: (contract, callOptions) => client.client(contract, callOptions),
    processes,
    responders,
    async stop() {
      await client.stop({ grace: "5s" });
      await Promise.all(processes.map(stopChild));
      await deleteEventStream(options.natsUrl, app);
    },
  };
}
