/**
 * Text PostgreSQL cannot hold — U+0000 in a text parameter or in JSON — is INVALID_ARGUMENT
 * (`STORE_INVALID_TEXT`, nothing ran), not an INTERNAL failure that may have run: the gateway
 * refuses U+0000 at the boundary, and this is the store's own defence behind it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isWeftError, type WeftError } from "../../core/index.js";
import { TEST_SERVERS, unreachable } from "../../testing/services.js";
import { uniqueName } from "../../testing/unique-name.js";
import { sql } from "../sql.js";
import { createPostgresStore, type PostgresStore } from "./index.js";

const URL = `postgres://postgres@${TEST_SERVERS.postgres.host}:${TEST_SERVERS.postgres.port}/test`;
const skip = await unreachable("postgres");

/** The Weft error `run` failed with (fails the test if it succeeded). */
async function rejectionOf(run: Promise<unknown>): Promise<WeftError> {
  const error = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isWeftError(error)) throw new Error(`expected a Weft error, got ${String(error)}`);
  return error;
}

describe.skipIf(skip)("postgres store: text it cannot hold", () => {
  const schema = uniqueName("store_nul");
  let store: PostgresStore;
  beforeAll(async () => {
    store = await createPostgresStore({ url: URL, schema, poolSize: 2 });
    await store.execute(sql`create table notes (id text primary key, body jsonb)`);
  });
  afterAll(async () => {
    await store?.execute(sql`drop schema if exists ${sql.ident(schema)} cascade`);
    await store?.close();
  });

  it("refuses U+0000 in a text parameter with INVALID_ARGUMENT that says nothing ran", async () => {
    const error = await rejectionOf(
      store.transaction((tx) => tx.execute(sql`insert into notes (id) values (${"a\u0000b"})`)),
    );
    expect(error).toMatchObject({
      code: "INVALID_ARGUMENT",
      reason: "STORE_INVALID_TEXT",
      mayHaveRun: false,
    });
    expect(await store.query(sql`select id from notes`)).toEqual([]);
  });

  it("refuses \\u0000 in JSON the same way", async () => {
    const body = JSON.stringify({ note: "a\u0000b" });
    const error = await rejectionOf(
      store.execute(sql`insert into notes (id, body) values (${"j"}, CAST(${body} AS jsonb))`),
    );
    expect(error).toMatchObject({ code: "INVALID_ARGUMENT", reason: "STORE_INVALID_TEXT" });
  });
});
