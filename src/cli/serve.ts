/**
 * Runs an app until a signal: the one place Weft installs signal handlers. The handlers are in
 * place before the app starts, so a signal during start or right after readiness still stops it
 * gracefully. The first SIGTERM or SIGINT stops the app (not ready → stop intake → drain →
 * close); a second one forces the process to exit.
 */
import type { App, StopReport } from "../core/index.js";

/** Options of {@link serveUntilSignal}. */
export interface ServeOptions {
  /** Where progress lines go. Default: stderr. */
  log?: (line: string) => void;
  /** Exits the process; replaced in tests. Default `process.exit`. */
  exit?: (code: number) => void;
  /**
   * Called once the app runs and the signal handlers are in place (print "ready" here). If it
   * throws or rejects, the app is stopped and the promise rejects with that error.
   */
  onReady?: (app: App) => void | Promise<void>;
}

/**
 * Starts `app` if needed and resolves with the stop report after the first signal and a graceful
 * stop; rejects if the app fails to start. A second signal exits with code 130.
 */
export function serveUntilSignal(app: App, options: ServeOptions = {}): Promise<StopReport> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  return new Promise((resolve, reject) => {
    // An app whose services are all local holds no socket; keep the process up until stopped.
    const keepAlive = setInterval(() => {}, 1 << 30);
    let stopping = false;
    const cleanUp = () => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      clearInterval(keepAlive);
    };
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
          cleanUp();
          log(
            report.drained
              ? "stopped cleanly"
              : `stopped; ${report.abandoned} call(s) were cancelled`,
          );
          resolve(report);
        },
        (error: unknown) => {
          cleanUp();
          reject(error);
        },
      );
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    const started = app.state === "created" ? app.start() : Promise.resolve();
    started
      .then(() => {
        if (!stopping && app.state === "running") return options.onReady?.(app);
      })
      .catch(async (error: unknown) => {
        if (stopping) return;
        stopping = true;
        await app.stop().catch(() => {});
        cleanUp();
        reject(error);
      });
  });
}
