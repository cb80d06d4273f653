/**
 * `ctx.tx` and the handle it hands over. The store declares the member on every call context
 * (declaration merging into core's `ContextMembers`) and installs it: it finds the app's
 * transactor with `ctx.use(TRANSACTOR)`, which the store extension provides. Other subsystems add
 * members to the handle the same way (`tx.publish` from the events, `tx.start` from workflows).
 */
import {
  type CallContext,
  defineContextMember,
  type ExtensionKey,
  extensionKey,
  failedPrecondition,
  isWeftError,
} from "../core/index.js";

/** A SQL statement built with the `sql` tag of `weft/store`. */
export interface SqlStatement {
  readonly strings: readonly string[];
  readonly values: readonly unknown[];
}

/**
 * An open store transaction, as `ctx.tx` hands it over: everything done through it commits or
 * rolls back together. The events add `publish` (an outbox row), `weft/workflow` adds `start` (a
 * run started in this transaction).
 */
export interface TxHandle {
  /** `sqlite` or `postgres`, for the few statements that must differ. */
  readonly dialect: string;
  /** Runs a statement and returns its rows. */
  query<R = Record<string, unknown>>(statement: SqlStatement): Promise<R[]>;
  /** Runs a statement for its effect. */
  execute(statement: SqlStatement): Promise<{ readonly rowCount: number }>;
  /**
   * Runs `fn` in a savepoint of this transaction: when `fn` throws, what it did rolls back alone
   * (and the error is rethrown); otherwise it commits or rolls back with this transaction.
   */
  transaction<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T>;
}

/** Runs transactions for `ctx.tx`; an app's store provides it under {@link TRANSACTOR}. */
export type Transactor = <T>(ctx: CallContext, fn: (tx: TxHandle) => Promise<T>) => Promise<T>;

/** The key under which the store extension provides the transactor behind `ctx.tx`. */
export const TRANSACTOR: ExtensionKey<Transactor> = extensionKey<Transactor>(
  "store transactions (add `store: true` or workflows to defineApp)",
);

declare module "../core/context.js" {
  interface ContextMembers {
    /**
     * Runs `fn` in a new store transaction and hands it the transaction's handle: exactly what
     * goes through that handle joins the transaction — `tx.execute`/`tx.query` on the service's
     * own tables, `tx.publish` (an outbox row), `tx.start` (a workflow run), `tx.transaction` (a
     * savepoint) — and nothing else. Fails with FAILED_PRECONDITION when the app has no store
     * (`NO_STORE`), or when a caller of this call in this process has a transaction open
     * (`TX_SPANS_CALL`). Nest with `tx.transaction`: on SQLite (one writer) a second `ctx.tx`
     * awaited inside the first's `fn` waits for the first to end, which waits for it — a deadlock.
     */
    tx<T>(fn: (tx: TxHandle) => Promise<T>): Promise<T>;
  }
}

/** The app's transactor, or NO_STORE naming what to add when the app has no store. */
function transactorOf(ctx: CallContext): Transactor {
  try {
    return ctx.use(TRANSACTOR);
  } catch (error) {
    if (isWeftError(error) && error.reason === "EXTENSION_MISSING") {
      throw failedPrecondition(
        "NO_STORE",
        `app ${ctx.app} has no store: ctx.tx needs \`store: true\` or workflows in defineApp`,
      );
    }
    throw error;
  }
}

defineContextMember("tx", function tx<T>(this: CallContext, fn: (tx: TxHandle) => Promise<T>) {
  try {
    return transactorOf(this)(this, fn);
  } catch (error) {
    return Promise.reject(error);
  }
});
