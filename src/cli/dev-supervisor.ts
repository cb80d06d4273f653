/**
 * The supervisor behind `weft dev`: it runs the app in a child process (`weft dev-child`), watches
 * the project's source files, and after a change (debounced) stops the app — SIGTERM, then
 * SIGKILL if it has not exited in time — and starts it again. The ports of the first successful
 * start are kept for every restart, so an open browser tab keeps working. An app that fails to
 * start or crashes is not started again until the next change: the supervisor waits, it does not
 * loop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { DevReady } from "./dev-child.js";
import { type DevPorts, devEnvironment } from "./dev-env.js";
import { isStrictlyInside, watchSources } from "./dev-watch.js";

/** The `weft` command of this package (the supervisor runs the app with it). */
export const WEFT_BIN = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));

/** The hidden command that runs the app in the child process. */
export const DEV_CHILD_COMMAND = "dev-child";

/** The app serves: where, and how long the start took. */
export interface DevStarted {
  readonly event: "ready";
  readonly app: string;
  readonly env: string;
  /** How many starts came before this one (0: the first). */
  readonly restarts: number;
  /** From spawning the process to serving, in ms. */
  readonly ms: number;
  /** The gateway's base URL, or null when the app has none. */
  readonly http: string | null;
  /** The dashboard's URL (the admin server's root), or null without an admin server. */
  readonly dashboard: string | null;
  /** The admin server (health, metrics, traces, management API). */
  readonly admin: string | null;
  /** Where the store lives, or null when the app keeps no state. */
  readonly data: string | null;
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Variables that were set and that `weft dev` did not pass on (they would split the app). */
  readonly ignoredEnv: readonly string[];
}

/** What happens under `weft dev`, in order, for its output. */
export type DevEvent =
  | DevStarted
  | { readonly event: "restarting"; readonly files: readonly string[] }
  | {
      readonly event: "exited";
      /** Whether it had served: false means it failed to start. */
      readonly ready: boolean;
      readonly code: number | null;
      readonly signal: string | null;
    }
  | { readonly event: "stopped" };

/** Options of {@link startDevSupervisor}. */
export interface DevSupervisorOptions {
  /** Absolute path of the app's entry module. */
  readonly entry: string;
  /** The project folder: the app's working directory and the watched root. */
  readonly root: string;
  /** The caller's environment (split variables are left out, see dev-env.ts). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Ports asked for; unset ones come from the app's configuration at the first start. */
  readonly ports?: DevPorts;
  /** Told about every start, restart, exit and the final stop. */
  readonly onEvent: (event: DevEvent) => void;
  /** Where the app's stdout goes: `"inherit"` (default) or a file descriptor (2 for stderr). */
  readonly stdout?: "inherit" | number;
  /** Quiet time after a change before restarting, in ms. Default 150. */
  readonly debounceMs?: number;
  /** How long a stopping app may take before it is killed, in ms. Default 10 000. */
  readonly killAfterMs?: number;
}

/** A running `weft dev`. */
export interface DevSupervisor {
  /** Stops watching and stops the app gracefully; resolves once it exited. */
  stop(): Promise<void>;
  /** Kills the app at once (a second Ctrl+C); a pending `stop()` then resolves. */
  kill(): void;
}

interface Child {
  readonly process: ChildProcess;
  readonly exited: Promise<void>;
  ready: boolean;
  halting: Promise<void> | undefined;
}

function isReady(message: unknown): message is DevReady {
  return (message as DevReady | null)?.type === "ready";
}

function send(child: Child, signal: NodeJS.Signals, group = false): void {
  const pid = child.process.pid;
  if (pid === undefined) return;
  try {
    // The app runs in its own process group (so that Ctrl+C reaches only the supervisor);
    // SIGKILL goes to the group, to leave nothing the app started holding a port.
    process.kill(group ? -pid : pid, signal);
  } catch {
    // Already gone.
  }
}

/** Starts the app and the watch; see the module comment. */
export function startDevSupervisor(options: DevSupervisorOptions): DevSupervisor {
  const ports: { http?: number | undefined; admin?: number | undefined } = { ...options.ports };
  const debounceMs = options.debounceMs ?? 150;
  const killAfterMs = options.killAfterMs ?? 10_000;
  let current: Child | undefined;
  let starts = 0;
  let pending: string[] = [];
  let timer: NodeJS.Timeout | undefined;
  let cycling = false;
  let closed = false;

  const halt = (child: Child): Promise<void> => {
    child.halting ??= (async () => {
      send(child, "SIGTERM");
      const kill = setTimeout(() => send(child, "SIGKILL", true), killAfterMs);
      await child.exited;
      clearTimeout(kill);
    })();
    return child.halting;
  };

  const onReady = (message: DevReady, startedAt: number, ignoredEnv: readonly string[]) => {
    // Later starts listen where this one does, even where it chose a free port.
    if (message.admin !== null && !ports.admin) ports.admin = message.admin.port;
    if (message.http !== null && !ports.http) ports.http = message.http.port;
    // Only a data folder inside the project: one at or above it would unwatch everything.
    if (message.dataDir !== null && isStrictlyInside(message.dataDir, options.root))
      watcher.ignore(message.dataDir);
    options.onEvent({
      event: "ready",
      app: message.app,
      env: message.env,
      restarts: starts - 1,
      ms: Date.now() - startedAt,
      http: message.http?.url ?? null,
      dashboard: message.admin === null ? null : `${message.admin.url}/`,
      admin: message.admin?.url ?? null,
      data: message.data,
      groups: message.groups,
      ignoredEnv,
    });
  };

  const launch = () => {
    starts++;
    const startedAt = Date.now();
    const { env, ignored } = devEnvironment(options.env, ports);
    const proc = spawn(process.execPath, [WEFT_BIN, DEV_CHILD_COMMAND, options.entry], {
      cwd: options.root,
      env,
      stdio: ["ignore", options.stdout ?? "inherit", "inherit", "ipc"],
      detached: true,
    });
    let settle: () => void = () => {};
    const child: Child = {
      process: proc,
      exited: new Promise<void>((resolve) => {
        settle = resolve;
      }),
      ready: false,
      halting: undefined,
    };
    const ended = (code: number | null, signal: string | null) => {
      if (current === child) current = undefined;
      if (child.halting === undefined && !closed) {
        options.onEvent({ event: "exited", ready: child.ready, code, signal });
      }
      settle();
    };
    proc.once("exit", ended);
    // Spawning itself failed (no exit follows).
    proc.once("error", () => {
      if (proc.pid === undefined) ended(null, null);
    });
    proc.on("message", (message: unknown) => {
      if (!isReady(message) || child.halting !== undefined) return;
      child.ready = true;
      onReady(message, startedAt, ignored);
    });
    current = child;
  };

  const cycle = async () => {
    if (cycling || closed) return;
    cycling = true;
    try {
      while (pending.length > 0 && !closed) {
        const files = pending;
        pending = [];
        options.onEvent({ event: "restarting", files });
        if (current !== undefined) await halt(current);
        if (!closed) launch();
      }
    } finally {
      cycling = false;
    }
  };

  const watcher = watchSources({
    root: options.root,
    onChange: (file) => {
      if (closed) return;
      if (!pending.includes(file)) pending.push(file);
      clearTimeout(timer);
      timer = setTimeout(() => void cycle(), debounceMs);
    },
  });
  launch();

  return {
    async stop() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
      if (current !== undefined) await halt(current);
      options.onEvent({ event: "stopped" });
    },
    kill() {
      closed = true;
      clearTimeout(timer);
      watcher.close();
      if (current !== undefined) send(current, "SIGKILL", true);
    },
  };
}
