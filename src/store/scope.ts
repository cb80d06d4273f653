/**
 * Transaction scopes shared by the adapters: the `Tx` handle (refused once its transaction ended)
 * and the savepoint logic behind `tx.transaction(fn)`. Nesting is explicit: nothing joins a
 * transaction except through its handle. Adapters supply a {@link Connection} and own
 * BEGIN/COMMIT.
 */
import { checkNotTransactionControl, txClosed } from "./errors.js";
import { renderSql, type SqlFragment } from "./sql.js";
import type { Dialect, ExecuteResult, Row, Tx } from "./types.js";

/** One connection with a transaction open on it. Methods throw Weft errors only. */
export interface Connection {
  /** Runs a statement and returns its decoded rows. */
  all(text: string, values: unknown[]): Row[] | Promise<Row[]>;
  /** Runs a statement and returns how many rows it changed. */
  run(text: string, values: unknown[]): number | Promise<number>;
  /** Runs SQL text without parameters: savepoint control, migration scripts (may hold several statements). */
  exec(text: string): void | Promise<void>;
}

let savepoints = 0;

/** The state of one (possibly nested) transaction: its Tx, whether it is still open. */
export class TxScope {
  /** False once the transaction (or savepoint) ended: the Tx refuses calls from then on. */
  open = true;
  /** The handle given to `fn`. */
  readonly tx: Tx;
  /** Set when a savepoint could not be rolled back: the whole transaction must not commit. */
  broken: unknown;
  private lock: Promise<void> = Promise.resolve();

  constructor(
    readonly connection: Connection,
    readonly dialect: Dialect,
    private readonly parent?: TxScope,
  ) {
    const scope = this;
    this.tx = {
      dialect,
      async query<R = Row>(statement: SqlFragment): Promise<R[]> {
        const { text, values } = scope.prepare(statement);
        return (await connection.all(text, values)) as R[];
      },
      async execute(statement: SqlFragment): Promise<ExecuteResult> {
        const { text, values } = scope.prepare(statement);
        return { rowCount: await connection.run(text, values) };
      },
      transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
        return scope.nested(fn);
      },
    };
  }

  private prepare(statement: SqlFragment) {
    if (!this.open) throw txClosed();
    const rendered = renderSql(statement, this.dialect);
    checkNotTransactionControl(rendered.text);
    return rendered;
  }

  /** Marks the outermost transaction as unable to commit (it will roll back). */
  markBroken(error: unknown): void {
    if (this.parent !== undefined) this.parent.markBroken(error);
    else this.broken ??= error;
  }

  /** Runs `fn` with this scope's handle, then closes the scope whatever happens. */
  async run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      return await fn(this.tx);
    } finally {
      this.open = false;
    }
  }

  /**
   * Runs `fn` in a savepoint of this transaction: its writes roll back alone when it throws.
   * Nested calls on one scope take turns, so savepoints never interleave.
   */
  async nested<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const previous = this.lock;
    let release = () => {};
    this.lock = new Promise((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      if (!this.open) throw txClosed();
      savepoints += 1;
      const name = `weft_sp_${savepoints}`;
      await this.connection.exec(`SAVEPOINT ${name}`);
      const child = new TxScope(this.connection, this.dialect, this);
      let result: T;
      try {
        result = await child.run(fn);
      } catch (e) {
        try {
          await this.connection.exec(`ROLLBACK TO SAVEPOINT ${name}`);
          await this.connection.exec(`RELEASE SAVEPOINT ${name}`);
        } catch (rollbackError) {
          this.markBroken(rollbackError);
        }
        throw e;
      }
      try {
        await this.connection.exec(`RELEASE SAVEPOINT ${name}`);
      } catch (releaseError) {
        this.markBroken(releaseError);
        throw releaseError;
      }
      return result;
    } finally {
      release();
    }
  }
}
