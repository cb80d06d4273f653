/**
 * Pool checkout, top-level transactions and autocommit statements of the PostgreSQL store. A
 * connection that failed is destroyed, never returned to the pool; a COMMIT that fails on a
 * broken connection is UNAVAILABLE with `mayHaveRun` (it may have committed).
 */
import type { Pool, PoolClient, QueryResult } from "pg";
import { failedPrecondition } from "../../core/index.js";
import { checkNotTransactionControl } from "../errors.js";
import { type Connection, TxScope } from "../scope.js";
import { renderSql, type SqlFragment } from "../sql.js";
import type { Row } from "../types.js";
import { isConnectionError, mapPgError } from "./errors.js";

function ignore(): void {}

function connectionOf(client: PoolClient): Connection {
  const query = async (text: string, values?: unknown[]) => {
    try {
      return await client.query(text, values);
    } catch (e) {
      throw mapPgError(e);
    }
  };
  return {
    all: async (text, values) => (await query(text, values)).rows,
    run: async (text, values) => (await query(text, values)).rowCount ?? 0,
    exec: async (text) => {
      await query(text);
    },
  };
}

/** Runs work on pooled connections. */
export class Sessions {
  constructor(private readonly pool: Pool) {}

  private async checkout(): Promise<PoolClient> {
    try {
      const client = await this.pool.connect();
      client.on("error", ignore); // pg-pool listens only while idle; errors surface on queries
      return client;
    } catch (e) {
      throw mapPgError(e);
    }
  }

  /** Returns a connection to the pool, or destroys it when `failure` says it broke. */
  private release(client: PoolClient, failure: unknown): void {
    client.off("error", ignore);
    const broken = failure !== undefined && isConnectionError(failure);
    client.release(broken ? (failure instanceof Error ? failure : true) : undefined);
  }

  /** Runs `fn` in a transaction opened with `begin`; commits, or rolls back and rethrows. */
  async transaction<T>(fn: (scope: TxScope) => Promise<T>, begin: string): Promise<T> {
    const client = await this.checkout();
    let failure: unknown;
    try {
      const connection = connectionOf(client);
      await connection.exec(begin);
      const scope = new TxScope(connection, "postgres");
      let value: T;
      try {
        value = await scope.run(() => fn(scope));
        if (scope.broken !== undefined) throw scope.broken;
      } catch (e) {
        await client.query("ROLLBACK").catch((rollbackError: unknown) => {
          failure = rollbackError;
        });
        throw e;
      }
      let result: QueryResult;
      try {
        result = await client.query("COMMIT");
      } catch (e) {
        failure = e;
        throw mapPgError(e, true);
      }
      if (result.command === "ROLLBACK") {
        throw failedPrecondition(
          "STORE_TX_ABORTED",
          "the transaction was rolled back: a statement in it failed and fn caught the error (use a nested transaction to recover from a failed statement)",
        );
      }
      return value;
    } catch (e) {
      failure ??= e;
      throw e;
    } finally {
      this.release(client, failure);
    }
  }

  /** Runs one statement outside any transaction (it commits on its own). */
  async autocommit(statement: SqlFragment): Promise<{ rows: Row[]; rowCount: number }> {
    const { text, values } = renderSql(statement, "postgres");
    checkNotTransactionControl(text);
    const client = await this.checkout();
    let failure: unknown;
    try {
      const result = await client.query(text, values);
      return { rows: result.rows, rowCount: result.rowCount ?? 0 };
    } catch (e) {
      failure = e;
      throw mapPgError(e, true);
    } finally {
      this.release(client, failure);
    }
  }
}
