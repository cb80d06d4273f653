/** Removing what a test app left in a shared PostgreSQL database. */
import { schemaName } from "../store/extension.js";
import { sql } from "../store/index.js";

/**
 * Drops the PostgreSQL schema of the app named `app` (as Weft names it: {@link schemaName}) and
 * everything in it, if it exists. For test cleanup against a shared database.
 */
export async function dropAppSchema(url: string, app: string): Promise<void> {
  const { createPostgresStore } = await import("../store/postgres/index.js");
  const admin = await createPostgresStore({ url, schema: "public", poolSize: 1 });
  try {
    await admin.execute(sql`drop schema if exists ${sql.ident(schemaName(app))} cascade`);
  } finally {
    await admin.close();
  }
}
