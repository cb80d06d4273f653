/**
 * The workflow engine's conformance suite: one body of behaviour tests run against every store
 * adapter, so runs behave the same on SQLite and PostgreSQL. Each test gets its own app name and a
 * fresh database from `makeStore` (a file or a schema), removed afterwards; restarts are a stopped
 * app and a new one on the same database.
 *
 * @example
 * ```ts
 * describeWorkflowConformance("sqlite", async () => {
 *   const dir = await mkdtemp(join(tmpdir(), "weft-wf-"));
 *   const opened: Store[] = [];
 *   return {
 *     open: async () => { const s = await createSqliteStore({ path: join(dir, "wf.db") }); opened.push(s); return s; },
 *     cleanup: async () => { for (const s of opened) await s.close(); await rm(dir, { recursive: true, force: true }); },
 *   };
 * });
 * ```
 */
import { afterEach, beforeEach, describe } from "vitest";
import { basicTests } from "./basics.js";
import { childTests } from "./children.js";
import { createFixture, type Fixture, type WorkflowStoreHarness } from "./harness.js";
import { managementTests } from "./management.js";
import { recordedTests } from "./recorded.js";
import { sagaTests } from "./sagas.js";
import { signalTests } from "./signals.js";
import { timerTests } from "./timers.js";
import { versionTests } from "./versions.js";

export type { WorkflowStoreHarness } from "./harness.js";

/** Options of {@link describeWorkflowConformance}. */
export interface WorkflowConformanceOptions {
  /** Skip every test (e.g. the server is unreachable). Default false. */
  readonly skip?: boolean;
}

/** Registers the workflow conformance tests for one store adapter. */
export function describeWorkflowConformance(
  name: string,
  makeStore: () => Promise<WorkflowStoreHarness>,
  options: WorkflowConformanceOptions = {},
): void {
  describe.skipIf(options.skip === true)(`workflow conformance [${name}]`, () => {
    let current: (Fixture & { dispose(): Promise<void> }) | undefined;
    beforeEach(async () => {
      current = createFixture(await makeStore());
    });
    afterEach(async () => {
      const fixture = current;
      current = undefined;
      await fixture?.dispose();
    });
    const fx = (): Fixture => {
      if (current === undefined) throw new Error(`the ${name} store did not open`);
      return current;
    };
    describe("starting runs", () => basicTests(fx));
    describe("sagas and cancellation", () => sagaTests(fx));
    describe("durable timers", () => timerTests(fx));
    describe("signals", () => signalTests(fx));
    describe("child workflows", () => childTests(fx));
    describe("deploys: nondeterminism and patches", () => versionTests(fx));
    describe("recorded values", () => recordedTests(fx));
    describe("management", () => managementTests(fx));
  });
}
