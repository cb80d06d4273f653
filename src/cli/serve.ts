/**
 * Runs an app until a signal: the one place Weft installs signal handlers. The first SIGTERM or
 * SIGINT stops the app gracefully (not ready → stop intake → drain → close); a second one forces
 * the process to exit.
 */
import type { App, StopReport } from "../core/index.js";

/** Options of {@link serveUntilSignal}. */
export interface ServeOptions {
  /** Where progress lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Exits the process; replaced in tests. Default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Starts `app` if needed and resolves with the stop report after the first signal and a graceful
 * stop. Exit codes: 0 drained, 1 grace period ran out, 130 forced by a second signal.
 */
export async function serveUntilSignal(app: App, options: ServeOptions = {}): Promise<StopReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  if (app.state === "created") await app.start();
  return new Promise((resolve, reject) => {
    // An app whose services are all local holds no socket; keep the process up until stopped.
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        log(`${signal} again: exiting now without waiting`);
        exit(130);
        return;
      }
      stopping = true;
      log(
        `${signal}: stopping ${app.name} (draining in-flight work; send ${signal} again to force)`,
      );
      app.stop().then(
        (report) => {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
          clearInterval(keepAlive);
          log(
            report.drained
              ? "stopped cleanly"
              : `stopped; ${report.abandoned} call(s) were cancelled`,
          );
          resolve(report);
        },
        (error: unknown) => {
          clearInterval(keepAlive);
          reject(error);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
