import { type App, defineApp, type ServiceImplementation } from "../../core/index.js";
import { createApp } from "../../create-app.js";
import type { Store } from "../../store/index.js";
import { uniqueName } from "../../testing/unique-name.js";
import type { AnyWorkflow } from "../authoring/types.js";
import { type WorkflowClient, workflows } from "../client.js";
import type { Engine } from "../engine/engine.js";
import type { Clock } from "../engine/host.js";
import type { RunStatus } from "../engine/schema.js";
import { WORKFLOW_ENGINE } from "../extension.js";

/** A fresh database (a SQLite file, a PostgreSQL schema) for one test. */
export interface WorkflowStoreHarness {
  /** Opens a store on this test's database; call it again for another process's connection. */
  open(): Promise<Store>;
  /** Closes every store opened and removes the database. */
  cleanup(): Promise<void>;
}

/** Engine tuning for an app of a test. */
export interface AppTuning {
  readonly clock?: Clock;
  /** Default 200 ms, so work left to polling is seen quickly. */
  readonly pollMs?: number;
  readonly leaseMs?: number;
}

/** What each test gets: its own app name and database. */
export interface Fixture {
  /** This test's app name (unique across files and runs). */
  readonly name: string;
  /** Starts an app on this test's database; it is stopped after the test if still running. */
  start(
    spec: { workflows: readonly AnyWorkflow[]; services?: readonly ServiceImplementation[] },
    tuning?: AppTuning,
  ): Promise<App>;
  /** Another connection to the database, for direct SQL; closed after the test. */
  store(): Promise<Store>;
}

/** Makes the fixture of one test; `dispose` stops its apps and removes its database. */
export function createFixture(harness: WorkflowStoreHarness): Fixture & {
  dispose(): Promise<void>;
} {
  const name = uniqueName("wf");
  const apps: App[] = [];
  return {
    name,
    async start(spec, tuning = {}) {
      const app = createApp(
        defineApp({ name, services: [...(spec.services ?? [])], workflows: [...spec.workflows] }),
        {
          // Silent (runs fail on purpose here) unless WEFT_LOG_LEVEL asks for logs.
          config: {
            ...(process.env.WEFT_LOG_LEVEL === undefined ? { logLevel: "silent" as const } : {}),
            shutdownGrace: "2s",
          },
          store: () => harness.open(),
          workflow: { pollMs: 200, ...tuning },
        },
      );
      apps.push(app);
      await app.start();
      return app;
    },
    store: () => harness.open(),
    async dispose() {
      try {
        for (const app of apps) {
          if (app.state === "running") await app.stop({ grace: "1s" });
        }
      } finally {
        await harness.cleanup();
      }
    },
  };
}

/** The fixture of the running test. */
export type FixtureOf = () => Fixture;

/** The workflow client of an app. */
export const wf = (app: App): WorkflowClient => workflows(app);

/** The engine of a started app (for its executing count). */
export const engineOf = (app: App): Engine => app.use(WORKFLOW_ENGINE);

/** Waits until `check` holds (polling every 10 ms), failing after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what = "condition",
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until run `id` has `status`; returns its details. */
export async function untilStatus(app: App, id: string, status: RunStatus, timeoutMs = 10_000) {
  let last: string | undefined;
  await until(
    async () => {
      last = (await wf(app).get(id)).status;
      return last === status;
    },
    `run ${id} to be ${status} (last seen ${String(last)})`,
    timeoutMs,
  );
  return wf(app).get(id);
}

/** Awaits `promise`, expecting a Weft error of `code` (and `reason`). */
export { expectWeftError as rejection } from "../../testing/expect-weft-error.js";

/** A promise to release from outside, to hold a step at a known point. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}
