/**
 * The parent's side of a test's child process: `node --import tsx <file> '<json options>'` with
 * an IPC channel, its last output lines kept for failure messages, request/reply over the channel
 * (a `{ type: "error", message }` reply or the child's exit rejects), and a registry so that
 * {@link killFixtureProcesses} (from `afterEach`, and at process exit) leaves none behind. The
 * crash tests' workers and processes are built on it.
 */
import { type ChildProcess, spawn } from "node:child_process";

const live = new Set<ChildProcess>();

process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

/** Kills (SIGKILL) every fixture process still running and waits until they are gone. */
export async function killFixtureProcesses(): Promise<void> {
  const gone = [...live].map(
    (child) => new Promise<void>((resolve) => child.once("exit", () => resolve())),
  );
  for (const child of live) child.kill("SIGKILL");
  await Promise.all(gone);
}

/** How a fixture process ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A running fixture process. */
export interface FixtureProcess<From extends { type: string }, To> {
  readonly pid: number;
  /** Resolves when the process exits. */
  readonly exited: Promise<Exit>;
  /** False once the process exited. */
  readonly running: boolean;
  /** The next message of one of `types`; rejects on an error message or the process's exit. */
  next<T extends From["type"]>(types: readonly T[]): Promise<Extract<From, { type: T }>>;
  /** Sends `message` and waits for a reply of one of `replies` (as {@link next}). */
  request<T extends From["type"]>(
    message: To,
    replies: readonly T[],
  ): Promise<Extract<From, { type: T }>>;
  /** Sends a signal (unless it exited already) and resolves once the process exited. */
  kill(signal: NodeJS.Signals): Promise<Exit>;
  /** `work`, or a rejection (with the process's output) if it exits before `work` settles. */
  guard<T>(work: Promise<T>): Promise<T>;
  /** The last lines it printed (for failure messages). */
  output(): string;
}

/** Spawns `file` (a TypeScript module, through tsx) with `options` as its JSON argument. */
export function spawnFixtureProcess<From extends { type: string }, To>(
  file: string,
  options: unknown,
  label = "child",
): FixtureProcess<From, To> {
  const child = spawn(process.execPath, ["--import", "tsx", file, JSON.stringify(options)], {
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  live.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split("\n").filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    }),
  );
  const running = () => child.exitCode === null && child.signalCode === null;
  const next = <T extends From["type"]>(types: readonly T[]) =>
    new Promise<Extract<From, { type: T }>>((resolve, reject) => {
      const onMessage = (message: From | { type: "error"; message: string }) => {
        if (message.type === "error") {
          done();
          const text = (message as { message?: string }).message;
          reject(new Error(`${label} ${child.pid}: ${text}\n${lines.join("\n")}`));
        } else if ((types as readonly string[]).includes(message.type)) {
          done();
          resolve(message as Extract<From, { type: T }>);
        }
      };
      const onExit = () => {
        done();
        reject(new Error(`${label} ${child.pid} exited; its output:\n${lines.join("\n")}`));
      };
      const done = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  return {
    pid: child.pid ?? -1,
    exited,
    get running() {
      return running();
    },
    next,
    request(message, replies) {
      const answer = next(replies);
      child.send(message as object);
      return answer;
    },
    async kill(signal) {
      if (running()) child.kill(signal);
      return exited;
    },
    guard(work) {
      const died = exited.then(({ code, signal }) => {
        throw new Error(
          `${label} ${child.pid} exited (code ${code}, signal ${signal}) while it was needed; its output:\n${lines.join("\n")}`,
        );
      });
      died.catch(() => {});
      return Promise.race([work, died]);
    },
    output: () => lines.join("\n"),
  };
}
