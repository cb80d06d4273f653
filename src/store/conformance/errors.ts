/** Conformance: driver errors come out as Weft errors with the documented codes and reasons. */
import { expect, it } from "vitest";
import { z } from "zod";
import {
  createApp,
  defineApp,
  defineService,
  isWeftError,
  type Logger,
  method,
  saysWhetherItRan,
} from "../../core/index.js";
import { uniqueName } from "../../testing/unique-name.js";
import { sql } from "../sql.js";
import { createItems, expectWeftError, type Harness } from "./harness.js";

/** Registers the error-mapping tests. */
export function errorTests(h: Harness): void {
  it("maps a unique violation to ALREADY_EXISTS naming the constraint", async () => {
    const { store } = h();
    await createItems(store);
    await store.execute(sql`insert into items (id, name) values (1, 'a')`);
    const outside = await expectWeftError(
      store.execute(sql`insert into items (id, name) values (2, 'a')`),
      "ALREADY_EXISTS",
      "STORE_UNIQUE_VIOLATION",
    );
    expect(outside.metadata.constraint).toMatch(/name/);
    expect(outside.retryable).toBe(false);
    expect(outside.message).not.toContain("'a'");
    const inside = await expectWeftError(
      store.transaction((tx) => tx.execute(sql`insert into items (id, name) values (1, 'b')`)),
      "ALREADY_EXISTS",
      "STORE_UNIQUE_VIOLATION",
    );
    expect(inside.metadata.constraint).toBeTruthy();
  });

  it("maps other SQL errors to INTERNAL with the driver error as cause", async () => {
    const { store } = h();
    const syntax = await expectWeftError(
      store.query(sql`selec 1`),
      "INTERNAL",
      "STORE_QUERY_FAILED",
    );
    expect(syntax.cause).toBeInstanceOf(Error);
    expect(syntax.metadata.driverCode).toBeTruthy();
    const missing = await expectWeftError(
      store.transaction((tx) => tx.query(sql`select * from no_such_table`)),
      "INTERNAL",
    );
    expect(missing.cause).toBeDefined();
    await createItems(store);
    await expectWeftError(
      store.execute(sql`insert into items (id, name) values (1, ${null})`),
      "INTERNAL",
      "STORE_CONSTRAINT_VIOLATION",
    );
  });

  it("leaves may-have-run unsaid on a constraint error, so a handler's caller sees it inferred", async () => {
    const { store } = h();
    await store.execute(
      sql`create table checked (id integer primary key, n integer check (n >= 0))`,
    );
    const direct = await expectWeftError(
      store.execute(sql`insert into checked (id, n) values (1, ${-1})`),
      "INTERNAL",
      "STORE_CONSTRAINT_VIOLATION",
    );
    expect(saysWhetherItRan(direct)).toBe(false);
    expect(direct.mayHaveRun).toBe(false);
    // The handler ran (it wrote nothing here, but it could have): the caller must not be told
    // that nothing happened, on either store.
    const checked = defineService("checked", {
      add: method({ input: z.object({ id: z.number() }), output: z.null() }),
    });
    const app = createApp(
      defineApp({
        name: uniqueName("storeerr"),
        services: [
          checked.implement({
            async add(_ctx, { id }) {
              await store.execute(sql`insert into checked (id, n) values (${id}, ${-1})`);
              return null;
            },
          }),
        ],
      }),
      { env: {}, logger: quiet },
    );
    await app.start();
    try {
      const seen = await app
        .client(checked)
        .add({ id: 7 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isWeftError(seen)).toBe(true);
      expect((seen as { reason?: string }).reason).toBe("STORE_CONSTRAINT_VIOLATION");
      expect((seen as { mayHaveRun?: boolean }).mayHaveRun).toBe(true);
    } finally {
      await app.stop();
    }
  });

  it("leaves the store usable after failed statements and transactions", async () => {
    const { store } = h();
    await createItems(store);
    for (let i = 0; i < 3; i++) {
      await store.transaction((tx) => tx.query(sql`selec`)).catch(() => {});
      await store.execute(sql`insert into items (id, name) values (1, 'dup')`).catch(() => {});
    }
    expect(await store.query(sql`select count(*) as c from items`)).toEqual([{ c: 1 }]);
  });
}

const quiet: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => quiet,
};
