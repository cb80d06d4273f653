/**
 * The store conformance suite: one body of tests every adapter must pass, so the workflow engine,
 * the outbox and services' own tables behave the same on SQLite and PostgreSQL. Each test gets a
 * fresh database (file or schema) from `makeStore`, removed afterwards.
 *
 * @example
 * ```ts
 * import { describeStoreConformance } from "weft/testing/vitest";
 * describeStoreConformance("sqlite", async () => {
 *   const path = join(await mkdtemp(join(tmpdir(), "weft-")), "test.db");
 *   const store = await createSqliteStore({ path });
 *   return { store, open: () => createSqliteStore({ path }), cleanup: async () => { ... } };
 * });
 * ```
 */
import { afterEach, beforeEach, describe } from "vitest";
import { errorTests } from "./conformance/errors.js";
import type { StoreHarness } from "./conformance/harness.js";
import { migrationTests } from "./conformance/migrations.js";
import { sqlTests } from "./conformance/sql.js";
import { transactionTests } from "./conformance/transactions.js";

export type { StoreHarness } from "./conformance/harness.js";

/** Options of {@link describeStoreConformance}. */
export interface StoreConformanceOptions {
  /** Skip every test (e.g. the server is unreachable). Default false. */
  readonly skip?: boolean;
}

/** Registers the store conformance tests for one adapter inside a vitest `describe`. */
export function describeStoreConformance(
  name: string,
  makeStore: () => Promise<StoreHarness>,
  options: StoreConformanceOptions = {},
): void {
  describe.skipIf(options.skip === true)(`store conformance [${name}]`, () => {
    let current: StoreHarness | undefined;
    beforeEach(async () => {
      current = await makeStore();
    });
    afterEach(async () => {
      const harness = current;
      current = undefined;
      await harness?.cleanup();
    });
    const harness = (): StoreHarness => {
      if (current === undefined) throw new Error(`the ${name} store did not open`);
      return current;
    };
    transactionTests(harness);
    sqlTests(harness);
    migrationTests(harness);
    errorTests(harness);
  });
}
