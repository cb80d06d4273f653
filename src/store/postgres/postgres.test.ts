import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUnavailable, isWeftError, type WeftError } from "../../core/index.js";
import {
  findPostgresBin,
  type PrivatePostgres,
  startPrivatePostgres,
} from "../../testing/private-postgres.js";
import { isReachable, TEST_SERVERS, unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { expectWeftError } from "../conformance/harness.js";
import { describeStoreConformance } from "../conformance.js";
import { sql } from "../sql.js";
import { createPostgresStore, type PostgresStore, type PostgresStoreOptions } from "./index.js";

const { host, port } = TEST_SERVERS.postgres;
const URL = `postgres://postgres@${host}:${port}/test`;
const skip = await unreachable("postgres");

/** A store on a fresh schema of `url`; cleanup closes every store and drops the schema. */
async function schemaStore(url = URL, options: Partial<PostgresStoreOptions> = {}) {
  const schema = uniqueName("store");
  const opened: PostgresStore[] = [];
  const open = async () => {
    const store = await createPostgresStore({ url, schema, poolSize: 5, ...options });
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    schema,
    open,
    cleanup: async () => {
      await Promise.all(opened.map((s) => s.close()));
      const admin = await createPostgresStore({ url, schema: "public", poolSize: 1 });
      await admin.execute(sql`drop schema if exists ${sql.ident(schema)} cascade`);
      await admin.close();
    },
  };
}

describeStoreConformance("postgres", () => schemaStore(), { skip });

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe.skipIf(skip)("postgres store", () => {
  it("fails fast with UNAVAILABLE when nothing listens on the port", async () => {
    const started = Date.now();
    const error = await expectWeftError(
      createPostgresStore({ url: "postgres://postgres@127.0.0.1:1/test", schema: "x" }),
      "UNAVAILABLE",
      "STORE_UNAVAILABLE",
    );
    expect(error.retryable).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps each schema apart and refuses invalid schema names", async () => {
    const a = await schemaStore();
    const b = await schemaStore();
    try {
      await a.store.execute(sql`create table t (v text)`);
      await a.store.execute(sql`insert into t values ('a')`);
      await expectWeftError(b.store.query(sql`select * from t`), "INTERNAL");
      expect(await a.store.query(sql`select current_schema() as s`)).toEqual([{ s: a.schema }]);
      await expectWeftError(
        createPostgresStore({ url: URL, schema: 'x"; drop' }),
        "INVALID_ARGUMENT",
      );
      await expectWeftError(createPostgresStore({ url: URL, schema: "Upper" }), "INVALID_ARGUMENT");
    } finally {
      await Promise.all([a.cleanup(), b.cleanup()]);
    }
  });

  it("refuses to report a commit when fn swallowed a failed statement", async () => {
    const h = await schemaStore();
    try {
      await h.store.execute(sql`create table t (id int primary key)`);
      await expectWeftError(
        h.store.transaction(async (tx) => {
          await tx.execute(sql`insert into t values (1)`);
          await tx.execute(sql`insert into t values (1)`).catch(() => {});
        }),
        "FAILED_PRECONDITION",
        "STORE_TX_ABORTED",
      );
      expect(await h.store.query(sql`select count(*) as c from t`)).toEqual([{ c: 0 }]);
    } finally {
      await h.cleanup();
    }
  });

  it("maps a serialization failure to ABORTED (retryable)", async () => {
    const h = await schemaStore();
    try {
      await h.store.execute(sql`create table t (id int primary key, n int)`);
      await h.store.execute(sql`insert into t values (1, 0), (2, 0)`);
      let ready = 0;
      const both = () => until(() => ready === 2);
      const skew = (read: number, write: number) =>
        h.store.transaction(
          async (tx) => {
            await tx.query(sql`select sum(n) from t where id = ${read}`);
            ready += 1;
            await both();
            await tx.execute(sql`update t set n = n + 1 where id = ${write}`);
          },
          { isolation: "serializable" },
        );
      const results = await Promise.allSettled([skew(1, 2), skew(2, 1)]);
      const errors = results.flatMap((r) =>
        r.status === "rejected" ? [r.reason as WeftError] : [],
      );
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({
        code: "ABORTED",
        reason: "STORE_CONFLICT",
        retryable: true,
      });
    } finally {
      await h.cleanup();
    }
  });

  it("delivers NOTIFY to listeners until they stop", async () => {
    const h = await schemaStore();
    try {
      const got: string[] = [];
      const stop = await (h.store as PostgresStore).listen("wake_up", (p) => got.push(p));
      await h.store.transaction((tx) => tx.execute(sql`select pg_notify('wake_up', ${"it's 1"})`));
      await until(() => got.length === 1);
      await stop();
      await h.store.execute(sql`select pg_notify('wake_up', 'after')`);
      await new Promise((r) => setTimeout(r, 100));
      expect(got).toEqual(["it's 1"]);
      await expectWeftError(
        (h.store as PostgresStore).listen("bad channel", () => {}),
        "INVALID_ARGUMENT",
      );
    } finally {
      await h.cleanup();
    }
  });
});

const noServerBinaries = findPostgresBin() === undefined;
if (noServerBinaries && process.env.WEFT_REQUIRE_SERVICES === "1") {
  throw new Error(
    "PostgreSQL server binaries are missing, and WEFT_REQUIRE_SERVICES=1 requires them",
  );
}

describe.skipIf(noServerBinaries)("postgres store against a private server that restarts", () => {
  let server: PrivatePostgres;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 120_000);
  afterAll(() => server?.close());

  it("answers UNAVAILABLE while the server is down and recovers after; LISTEN resumes", async () => {
    const errors: WeftError[] = [];
    const store = await createPostgresStore({
      url: server.url,
      schema: "restart",
      connectTimeoutMs: 2000,
      onError: (e) => errors.push(e),
    });
    try {
      await store.execute(sql`create table if not exists t (id serial primary key)`);
      const got: string[] = [];
      let reconnects = 0;
      await store.listen("ticks", (p) => got.push(p), { onReconnect: () => reconnects++ });

      // A transaction open when the server stops fails UNAVAILABLE; new work does too, fast.
      const open = store.transaction(async (tx) => {
        await tx.execute(sql`insert into t default values`);
        await server.stop();
        await tx.execute(sql`insert into t default values`);
      });
      await expectWeftError(open, "UNAVAILABLE", "STORE_UNAVAILABLE");
      const started = Date.now();
      await expectWeftError(store.query(sql`select 1 as one`), "UNAVAILABLE");
      expect(Date.now() - started).toBeLessThan(2500);
      await server.start();
      await until(async () => (await store.query(sql`select 1 as one`).catch(() => [])).length > 0);
      expect(await store.query(sql`select count(*) as c from t`)).toEqual([{ c: 0 }]);
      await until(() => reconnects === 1);

      // Restart under load: every failure is UNAVAILABLE, and queries succeed afterwards.
      const outcomes: string[] = [];
      let running = true;
      const load = (async () => {
        while (running) {
          await store
            .transaction((tx) => tx.execute(sql`insert into t default values`))
            .then(
              () => outcomes.push("ok"),
              (e: unknown) => outcomes.push(isWeftError(e) ? e.code : String(e)),
            );
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      await until(() => outcomes.length > 5);
      await server.restart();
      const settled = outcomes.length;
      await until(() => outcomes.length > settled + 5 && outcomes.at(-1) === "ok");
      running = false;
      await load;
      expect(new Set(outcomes)).toEqual(new Set(["ok", "UNAVAILABLE"]));
      expect(outcomes.slice(outcomes.lastIndexOf("UNAVAILABLE") + 1).length).toBeGreaterThan(5);
      await until(() => reconnects === 2);
      await store.execute(sql`select pg_notify('ticks', 'after restart')`);
      await until(() => got.includes("after restart"));
      expect(errors.every(isUnavailable)).toBe(true);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("removes its folder and stops listening on close", async () => {
    await server.close();
    expect(existsSync(server.dir)).toBe(false);
    expect(await isReachable("127.0.0.1", server.port)).toBe(false);
  });
});
