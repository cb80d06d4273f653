/** Conformance: commit, rollback, explicit nesting, no ambient joining, serialization, close. */
import { AsyncLocalStorage } from "node:async_hooks";
import { expect, it } from "vitest";
import { sql } from "../sql.js";
import type { Tx } from "../types.js";
import { countRows, createItems, expectWeftError, type Harness, retryAborted } from "./harness.js";

const insert = (tx: Tx, id: number, name: string) =>
  tx.execute(sql`insert into items (id, name) values (${id}, ${name})`);

/** Registers the transaction tests. */
export function transactionTests(h: Harness): void {
  it("commits fn's writes and returns its value", async () => {
    const { store } = h();
    await createItems(store);
    const value = await store.transaction(async (tx) => {
      await insert(tx, 1, "a");
      await insert(tx, 2, "b");
      return "done";
    });
    expect(value).toBe("done");
    expect(await countRows(store, "items")).toBe(2);
  });

  it("rolls back everything when fn throws, and rethrows the same error", async () => {
    const { store } = h();
    await createItems(store);
    const boom = new Error("boom");
    const thrown = await store
      .transaction(async (tx) => {
        await insert(tx, 1, "a");
        await new Promise((r) => setTimeout(r, 5));
        await insert(tx, 2, "b");
        throw boom;
      })
      .catch((e: unknown) => e);
    expect(thrown).toBe(boom);
    expect(await countRows(store, "items")).toBe(0);
  });

  it("serializes 50 concurrent increments of one counter (update … returning)", async () => {
    const { store } = h();
    await createItems(store);
    await store.execute(sql`insert into items (id, name, n) values (1, 'counter', 0)`);
    const seen = await Promise.all(
      Array.from({ length: 50 }, () =>
        store.transaction(async (tx) => {
          const [row] = await tx.query<{ n: number }>(
            sql`update items set n = n + 1 where id = 1 returning n`,
          );
          return row?.n;
        }),
      ),
    );
    expect([...seen].sort((a, b) => Number(a) - Number(b))).toEqual(
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    expect(await store.query(sql`select n from items where id = 1`)).toEqual([{ n: 50 }]);
  });

  it("loses no update in 50 concurrent read-modify-write transactions (serializable, retried on ABORTED)", async () => {
    const { store } = h();
    await createItems(store);
    await store.execute(sql`insert into items (id, name, n) values (1, 'counter', 0)`);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        retryAborted(() =>
          store.transaction(
            async (tx) => {
              const [row] = await tx.query<{ n: number }>(sql`select n from items where id = 1`);
              await new Promise((r) => setTimeout(r, 1));
              await tx.execute(sql`update items set n = ${(row?.n ?? 0) + 1} where id = 1`);
            },
            { isolation: "serializable" },
          ),
        ),
      ),
    );
    expect(await store.query(sql`select n from items where id = 1`)).toEqual([{ n: 50 }]);
  });

  it("runs tx.transaction as a savepoint: its failure rolls back only its writes", async () => {
    const { store } = h();
    await createItems(store);
    await store.transaction(async (tx) => {
      await insert(tx, 1, "outer-before");
      const inner = await tx
        .transaction(async (tx2) => {
          await insert(tx2, 2, "inner");
          await insert(tx2, 3, "outer-before"); // unique violation inside the savepoint
        })
        .catch((e: unknown) => e);
      expect(inner).toMatchObject({ code: "ALREADY_EXISTS" });
      await insert(tx, 4, "outer-after");
    });
    const rows = await store.query<{ name: string }>(sql`select name from items order by id`);
    expect(rows.map((r) => r.name)).toEqual(["outer-before", "outer-after"]);
  });

  it("rolls back a committed tx.transaction with its outer one", async () => {
    const { store } = h();
    await createItems(store);
    await store
      .transaction(async (tx) => {
        await tx.transaction((inner) => insert(inner, 1, "inner"));
        await Promise.all([
          tx.transaction((inner) => insert(inner, 2, "a")),
          tx.transaction((inner) => inner.transaction((deeper) => insert(deeper, 3, "b"))),
        ]);
        throw new Error("outer fails");
      })
      .catch(() => {});
    expect(await countRows(store, "items")).toBe(0);
  });

  it("never joins an open transaction: store.transaction started inside fn is its own", async () => {
    const { store } = h();
    await createItems(store);
    let own: Promise<unknown> | undefined;
    await store
      .transaction(async (tx) => {
        await insert(tx, 1, "outer");
        // Not awaited here: on SQLite it waits for this transaction to end (awaiting it would
        // deadlock); on PostgreSQL it runs beside it on another connection.
        own = store.transaction((other) => insert(other, 2, "own"));
        own.catch(() => {});
        throw new Error("outer fails");
      })
      .catch(() => {});
    await own;
    const rows = await store.query<{ name: string }>(sql`select name from items order by id`);
    expect(rows.map((r) => r.name)).toEqual(["own"]);
  });

  it("keeps store.execute out of a transaction open beside it", async () => {
    const { store } = h();
    await createItems(store);
    let own: Promise<unknown> | undefined;
    await store
      .transaction(async (tx) => {
        await insert(tx, 1, "outer");
        own = store.execute(sql`insert into items (id, name) values (2, 'autocommit')`);
        own.catch(() => {});
        throw new Error("undo");
      })
      .catch(() => {});
    await own;
    expect(await countRows(store, "items")).toBe(1);
  });

  it("runs fn in its caller's async context, even when queued", async () => {
    const { store } = h();
    const caller = new AsyncLocalStorage<number>();
    const seen = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        caller.run(i, () =>
          store.transaction(async () => {
            await new Promise((r) => setTimeout(r, 1));
            return caller.getStore();
          }),
        ),
      ),
    );
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it("refuses a Tx used after its transaction ended", async () => {
    const { store } = h();
    await createItems(store);
    let leaked: Tx | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expectWeftError(
      (leaked as Tx).query(sql`select 1 as one`),
      "FAILED_PRECONDITION",
      "STORE_TX_CLOSED",
    );
  });

  it("refuses transaction-control statements in query/execute", async () => {
    const { store } = h();
    await expectWeftError(
      store.transaction((tx) => tx.execute(sql`commit`)),
      "INVALID_ARGUMENT",
      "STORE_TRANSACTION_CONTROL",
    );
    await expectWeftError(store.execute(sql` BEGIN`), "INVALID_ARGUMENT");
  });

  it("reports how many rows execute changed", async () => {
    const { store } = h();
    await createItems(store);
    await store.execute(sql`insert into items (id, name) values (1, 'a'), (2, 'b'), (3, 'c')`);
    expect(await store.execute(sql`update items set n = 7 where id >= 2`)).toEqual({ rowCount: 2 });
    expect(await store.execute(sql`delete from items`)).toEqual({ rowCount: 3 });
  });

  it("finishes queued transactions on close, then refuses new work", async () => {
    const harness = h();
    const { store } = harness;
    await createItems(store);
    const running = Array.from({ length: 20 }, (_, i) =>
      store.transaction(async (tx) => {
        await new Promise((r) => setTimeout(r, 2));
        await insert(tx, i + 1, `row-${i}`);
        return i;
      }),
    );
    const closed = store.close();
    await expectWeftError(
      store.transaction(async () => 1),
      "FAILED_PRECONDITION",
      "STORE_CLOSED",
    );
    await expectWeftError(store.query(sql`select 1 as one`), "FAILED_PRECONDITION", "STORE_CLOSED");
    await closed;
    expect(await Promise.all(running)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await store.close(); // idempotent
    const again = await harness.open();
    expect(await countRows(again, "items")).toBe(20);
  });
}
