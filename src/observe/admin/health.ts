/**
 * Readiness: the app runs and is not draining, and every dependency check passes (the store
 * answers `SELECT 1`, the NATS connection is up). Checks run in parallel, each bounded by a
 * timeout, so a hung dependency makes the probe answer "not ready" instead of hanging it.
 */
import type { App } from "../../core/index.js";

/**
 * A dependency check: returns or resolves when healthy (with an object of details to show, if it
 * likes), throws or rejects with the reason when not.
 */
export type HealthCheck = (app: App) => unknown;

/** The result of one check. */
export interface CheckResult {
  readonly ok: boolean;
  /** Why it failed. */
  readonly error?: string;
  readonly [detail: string]: unknown;
}

/** What `/readyz` answers. */
export interface Readiness {
  readonly status: "ready" | "not ready";
  readonly checks: Readonly<Record<string, CheckResult>>;
}

const TIMEOUT_MS = 2_000;

async function run(app: App, check: HealthCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const details = await Promise.race([
      Promise.resolve().then(() => check(app)),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${TIMEOUT_MS} ms`)),
          TIMEOUT_MS,
        );
      }),
    ]);
    return typeof details === "object" && details !== null
      ? { ...(details as Record<string, unknown>), ok: true }
      : { ok: true };
  } catch (thrown) {
    return { ok: false, error: thrown instanceof Error ? thrown.message : String(thrown) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the app check and every dependency check. */
export async function readiness(
  app: App,
  checks: ReadonlyMap<string, HealthCheck>,
): Promise<Readiness> {
  const results: Record<string, CheckResult> = {
    app: app.ready
      ? { ok: true, state: app.state }
      : { ok: false, state: app.state, error: `the app is ${app.state}` },
  };
  const names = [...checks.keys()];
  const outcomes = await Promise.all(
    names.map((name) => run(app, checks.get(name) as HealthCheck)),
  );
  names.forEach((name, i) => {
    results[name] = outcomes[i] as CheckResult;
  });
  const ready = Object.values(results).every((r) => r.ok);
  return { status: ready ? "ready" : "not ready", checks: results };
}
