import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { expectWeftError } from "../conformance/harness.js";
import { describeStoreConformance } from "../conformance.js";
import { sql } from "../sql.js";
import type { Store } from "../types.js";
import { BUSY_SLICE_MS, createSqliteStore, type SqliteStoreOptions } from "./index.js";

/** A temp folder with one database file; removed (with every store closed) by cleanup. */
async function tempStore(options: Partial<SqliteStoreOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), "weft-sqlite-"));
  const path = join(dir, "data", "test.db");
  const opened: Store[] = [];
  const open = async () => {
    const store = await createSqliteStore({ path, ...options });
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    path,
    open,
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeStoreConformance("sqlite", () => tempStore());
describeStoreConformance("sqlite, no group commit", () => tempStore({ groupCommit: false }));

function runChild(path: string, times: number): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "fixtures", "increment-child.ts"),
      path,
      String(times),
    ],
    { stdio: ["ignore", "inherit", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`child exited with ${code}`)),
    );
  });
}

describe("sqlite store", () => {
  it("sets WAL, synchronous=FULL, foreign_keys and a short busy_timeout on the writer", async () => {
    const h = await tempStore();
    try {
      const pragmas = await h.store.transaction(async (tx) => ({
        journal: await tx.query(sql`pragma journal_mode`),
        synchronous: await tx.query(sql`pragma synchronous`),
        foreignKeys: await tx.query(sql`pragma foreign_keys`),
        busy: await tx.query(sql`pragma busy_timeout`),
      }));
      expect(pragmas).toEqual({
        journal: [{ journal_mode: "wal" }],
        synchronous: [{ synchronous: 2 }],
        foreignKeys: [{ foreign_keys: 1 }],
        busy: [{ timeout: BUSY_SLICE_MS }],
      });
      await h.store.execute(sql`create table parent (id integer primary key)`);
      await h.store.execute(
        sql`create table child (id integer primary key, parent integer references parent (id))`,
      );
      await expectWeftError(
        h.store.execute(sql`insert into child values (1, 99)`),
        "INTERNAL",
        "STORE_CONSTRAINT_VIOLATION",
      );
    } finally {
      await h.cleanup();
    }
  });

  it("loses no update when two other processes and this one write the same file", async () => {
    const h = await tempStore({ busyTimeoutMs: 30_000 });
    try {
      await h.store.execute(sql`create table counter (id integer primary key, n integer not null)`);
      await h.store.execute(sql`insert into counter values (1, 0)`);
      const mine = (async () => {
        for (let i = 0; i < 100; i++) {
          await h.store.transaction(async (tx) => {
            const [row] = await tx.query<{ n: number }>(sql`select n from counter where id = 1`);
            await tx.execute(sql`update counter set n = ${(row?.n ?? 0) + 1} where id = 1`);
          });
        }
      })();
      await Promise.all([runChild(h.path, 100), runChild(h.path, 100), mine]);
      expect(await h.store.query(sql`select n from counter`)).toEqual([{ n: 300 }]);
    } finally {
      await h.cleanup();
    }
  }, 60_000);

  it("waits for another process's lock without blocking the event loop, then fails ABORTED", async () => {
    const h = await tempStore({ busyTimeoutMs: 300 });
    const holder = new Database(h.path);
    try {
      holder.exec("BEGIN IMMEDIATE");
      let longest = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 1);
      const started = performance.now();
      const error = await expectWeftError(
        h.store.execute(sql`create table t (id integer)`),
        "ABORTED",
        "STORE_BUSY",
      );
      clearInterval(timer);
      expect(error.retryable).toBe(true);
      expect(performance.now() - started).toBeGreaterThanOrEqual(290);
      expect(longest).toBeLessThan(150); // blocking for the whole wait would take 300 ms
      holder.exec("ROLLBACK");
      await h.store.execute(sql`create table t (id integer)`);
    } finally {
      holder.close();
      await h.cleanup();
    }
  });

  it("serves autocommit reads while a transaction is open, without its uncommitted writes", async () => {
    const h = await tempStore();
    try {
      await h.store.execute(sql`create table t (id integer primary key)`);
      let release = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let inside = () => {};
      const entered = new Promise<void>((r) => {
        inside = r;
      });
      const tx = h.store.transaction(async (tx) => {
        await tx.execute(sql`insert into t values (1)`);
        inside();
        await gate;
      });
      await entered;
      expect(await h.store.query(sql`select count(*) as c from t`)).toEqual([{ c: 0 }]);
      release();
      await tx;
      expect(await h.store.query(sql`select count(*) as c from t`)).toEqual([{ c: 1 }]);
    } finally {
      await h.cleanup();
    }
  });

  it("commits a group whose one member fails, without that member", async () => {
    const h = await tempStore();
    try {
      await h.store.execute(sql`create table t (id integer primary key)`);
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          i === 50
            ? h.store.transaction(async (tx) => {
                await tx.execute(sql`insert into t values (${1000})`);
                throw new Error("member fails");
              })
            : h.store.execute(sql`insert into t values (${i === 70 ? 1 : i})`),
        ),
      );
      const failed = results.flatMap((r, i) => (r.status === "rejected" ? [i] : []));
      expect(failed).toEqual([50, 70]);
      expect(await h.store.query(sql`select count(*) as c from t`)).toEqual([{ c: 98 }]);
    } finally {
      await h.cleanup();
    }
  });

  it("refuses :memory: and empty paths", async () => {
    await expectWeftError(createSqliteStore({ path: ":memory:" }), "INVALID_ARGUMENT");
    await expectWeftError(createSqliteStore({ path: "" }), "INVALID_ARGUMENT");
  });
});
