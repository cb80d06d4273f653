/**
 * `weft migrate` in a child process, on a SQLite file and (when reachable) on PostgreSQL: it
 * applies the store's, the workflow engine's and the services' migrations once, reports them, and
 * serves nothing — a pending run stays pending.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createApp } from "../create-app.js";
import { sql } from "../store/index.js";
import { createPostgresStore } from "../store/postgres/index.js";
import { uniqueName, unreachable } from "../testing/index.js";
import { workflows } from "../workflow/index.js";
import ordersApp, { order } from "./fixtures/orders-app.js";
import { NO_REMOTE_CALLS } from "./open-app.js";

const bin = fileURLToPath(new URL("../../bin/weft.js", import.meta.url));
const entry = fileURLToPath(new URL("./fixtures/orders-app.ts", import.meta.url));
const pgUrl = "postgres://postgres@127.0.0.1:5432/test";

function migrate(env: Record<string, string>, ...args: string[]) {
  return spawnSync(process.execPath, [bin, "migrate", entry, ...args], {
    env: { PATH: process.env.PATH ?? "", NO_COLOR: "1", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
}

interface Report {
  app: string;
  store: string;
  applied: { scope: string; version: number; name: string }[];
  scopes: { scope: string; version: number }[];
}

const ALL = [
  { scope: "stock", version: 1, name: "stock table" },
  { scope: "workflow", version: 1, name: "workflow journal" },
  { scope: "workflow", version: 2, name: "cron schedules" },
  { scope: "workflow", version: 3, name: "run origin: the starter's trace and service" },
];

describe("weft migrate on SQLite", () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("applies every scope's migrations once, says what it applied, then has nothing to do", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weft-cli-migrate-"));
    dirs.push(dir);
    const env = { WEFT_DATA_DIR: dir, WEFT_APP: uniqueName("orders") };

    const first = migrate(env);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`SQLite file ${join(dir, env.WEFT_APP)}.sqlite`);
    expect(first.stdout).toContain("Applied 4 migration(s):");
    expect(first.stdout).toMatch(/workflow\s+1\s+workflow journal/);
    expect(first.stdout).toMatch(/stock\s+1\s+stock table/);

    const second = migrate(env, "--json");
    expect(second.status).toBe(0);
    const report = JSON.parse(second.stdout) as Report;
    expect(report.applied).toEqual([]);
    expect(report.scopes).toEqual([
      { scope: "stock", version: 1 },
      { scope: "workflow", version: 3 },
    ]);
    expect(migrate(env).stdout).toContain("Nothing to apply: every scope is up to date.");
  }, 120_000);

  it("executes nothing: a run waiting in the store is still pending afterwards", async () => {
    const dir = await mkdtemp(join(tmpdir(), "weft-cli-migrate-"));
    dirs.push(dir);
    const env = { WEFT_DATA_DIR: dir, WEFT_APP: uniqueName("orders"), WEFT_LOG_LEVEL: "silent" };
    // A client without the app's hook: the journal is migrated, the service's table is not yet.
    const client = createApp(
      { ...ordersApp, hooks: {} },
      { env, clientOnly: true, transport: NO_REMOTE_CALLS },
    );
    await client.start();
    await workflows(client).start(order, { sku: "tea", mode: "ok" }, { id: "waiting" });
    await client.stop();

    const r = migrate(env, "--json");
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Report).applied).toEqual([ALL[0]]);

    const again = createApp(ordersApp, { env, clientOnly: true, transport: NO_REMOTE_CALLS });
    await again.start();
    const run = await workflows(again).get("waiting");
    await again.stop();
    expect(run.status).toBe("pending");
    expect(run.steps).toEqual([]);
  }, 120_000);

  it("exits 2 naming the groups when asked for an unknown group", () => {
    const r = migrate({ WEFT_DATA_DIR: tmpdir() }, "--group", "nope");
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('no group "nope" (groups: main)');
  });
});

const noPostgres = await unreachable("postgres");

describe.skipIf(noPostgres)("weft migrate on PostgreSQL", () => {
  it("migrates the app's schema and reports it without the URL", async () => {
    const app = uniqueName("orders");
    try {
      const r = migrate({ WEFT_DATABASE_URL: pgUrl, WEFT_APP: app }, "--json");
      expect(r.status).toBe(0);
      const report = JSON.parse(r.stdout) as Report;
      expect(report.store).toBe(`PostgreSQL schema "${app}" (WEFT_DATABASE_URL)`);
      expect(report.applied).toEqual(ALL);
      expect(r.stdout).not.toContain("postgres://");
    } finally {
      const admin = await createPostgresStore({ url: pgUrl });
      await admin.execute(sql`drop schema if exists ${sql.ident(app)} cascade`);
      await admin.close();
    }
  }, 120_000);
});
