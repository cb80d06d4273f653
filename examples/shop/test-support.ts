/**
 * What the shop's tests share: a private data folder per test file (each app in it gets its own
 * SQLite file, named after the app's unique test name), and PostgreSQL schemas dropped after the
 * tests that made them.
 *
 * @example
 * ```ts
 * const dataDir = privateDataDir();
 * describePlacements("shop", { definition, appOptions: { config: { dataDir } },
 *   env: { WEFT_DATA_DIR: dataDir } }, (h) => { ... });
 * ```
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { sql } from "weft/store";
import { createPostgresStore } from "weft/store/postgres";
import { TEST_SERVERS } from "weft/testing";

/** The shared test server's database the shop's PostgreSQL tests use (one schema per app). */
export const TEST_DATABASE_URL = `postgres://postgres@${TEST_SERVERS.postgres.host}:${TEST_SERVERS.postgres.port}/test`;

/** A fresh temp folder for this test file's SQLite files, removed after its tests. */
export function privateDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-shop-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Drops PostgreSQL schemas (the apps using them must be stopped). */
export async function dropSchemas(url: string, schemas: readonly string[]): Promise<void> {
  if (schemas.length === 0) return;
  const admin = await createPostgresStore({ url, schema: "public", poolSize: 1 });
  try {
    for (const schema of schemas) {
      await admin.execute(sql`drop schema if exists ${sql.ident(schema)} cascade`);
    }
  } finally {
    await admin.close();
  }
}

/**
 * Polls `read` until `accept` holds on its result (events are handled after the publishing call
 * returns), then returns the result; fails with the last result after `timeoutMs`.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Waits until the shop's gateway answers at `url`: a split child may report ready before the
 * edge process listens.
 */
export function untilListening(url: string): Promise<boolean> {
  return eventually(
    () =>
      fetch(`${url}/openapi.json`).then(
        (r) => r.ok,
        () => false,
      ),
    (ok) => ok,
    30_000,
  );
}
