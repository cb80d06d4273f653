/**
 * `Idempotency-Key` records in the app's store (table `weft_idempotency`, migration scope
 * `gateway`, SQLite and PostgreSQL alike). A record is claimed before the call runs and holds the
 * answer once it ran: the same key with the same request replays it, while it runs a second
 * request gets 409, with another request 422. Records are scoped per caller and expire after the
 * retention period.
 *
 * A record claimed by a gateway that died mid-request is taken over once that request's deadline
 * has passed: its call may then run a second time, as a workflow step cut short by a crash does.
 */
import { createHash } from "node:crypto";
import type { Principal } from "../core/index.js";
import { type Migration, type Store, sql } from "../store/index.js";

function table(time: string): string {
  return `
    create table weft_idempotency (
      scope text not null,
      idem_key text not null,
      fingerprint text not null,
      state text not null,
      status integer,
      body text,
      content_type text,
      locked_until ${time} not null,
      created_at ${time} not null,
      expires_at ${time} not null,
      primary key (scope, idem_key)
    );
    create index weft_idempotency_expiry on weft_idempotency (expires_at);`;
}

/** The gateway's tables. Never edit an applied migration (its checksum is checked): add one. */
export const GATEWAY_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: "idempotency keys", sqlite: table("integer"), postgres: table("bigint") },
];

/** What a claim found. */
export type Claim =
  | { readonly kind: "new" }
  | {
      readonly kind: "replay";
      readonly status: number;
      readonly body: string;
      readonly contentType: string;
    }
  | { readonly kind: "in-flight" }
  | { readonly kind: "mismatch" };

/** The scope of a caller's keys: one per principal; anonymous callers share one. */
export function scopeOf(principal: Principal | undefined): string {
  return principal === undefined ? "anonymous" : `${principal.kind ?? "user"}:${principal.id}`;
}

/** Fingerprint of a request: method, target (path and query) and body. */
export function fingerprintOf(method: string, target: string, body: Buffer | undefined): string {
  const hash = createHash("sha256").update(`${method} ${target}\n`);
  if (body !== undefined) hash.update(body);
  return hash.digest("hex");
}

interface Row {
  fingerprint: string;
  state: string;
  status: number | null;
  body: string | null;
  content_type: string | null;
  locked_until: number;
}

/** Idempotency records of one gateway in one store. */
export class IdempotencyRecords {
  constructor(
    private readonly store: Store,
    private readonly retentionMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Claims `key` for a request, or says what an earlier request with it left. */
  claim(scope: string, key: string, fingerprint: string, lockMs: number): Promise<Claim> {
    const now = this.now();
    return this.store.transaction(async (tx) => {
      await tx.execute(
        sql`delete from weft_idempotency where scope = ${scope} and idem_key = ${key} and expires_at <= ${now}`,
      );
      const inserted = await tx.execute(sql`
        insert into weft_idempotency (scope, idem_key, fingerprint, state, locked_until, created_at, expires_at)
        values (${scope}, ${key}, ${fingerprint}, 'running', ${now + lockMs}, ${now}, ${now + this.retentionMs})
        on conflict (scope, idem_key) do nothing`);
      if (inserted.rowCount === 1) return { kind: "new" } as const;
      const [row] = await tx.query<Row>(sql`
        select fingerprint, state, status, body, content_type, locked_until
        from weft_idempotency where scope = ${scope} and idem_key = ${key}`);
      if (row === undefined) return { kind: "in-flight" } as const;
      if (row.fingerprint !== fingerprint) return { kind: "mismatch" } as const;
      if (row.state === "done") {
        return {
          kind: "replay",
          status: Number(row.status),
          body: row.body ?? "",
          contentType: row.content_type ?? "application/json",
        } as const;
      }
      if (Number(row.locked_until) > now) return { kind: "in-flight" } as const;
      const taken = await tx.execute(sql`
        update weft_idempotency set locked_until = ${now + lockMs}
        where scope = ${scope} and idem_key = ${key} and state = 'running' and locked_until <= ${now}`);
      return taken.rowCount === 1 ? ({ kind: "new" } as const) : ({ kind: "in-flight" } as const);
    });
  }

  /** Stores the answer of a claimed request, to be replayed. */
  async complete(
    scope: string,
    key: string,
    status: number,
    body: string,
    contentType: string,
  ): Promise<void> {
    await this.store.execute(sql`
      update weft_idempotency set state = 'done', status = ${status}, body = ${body}, content_type = ${contentType}
      where scope = ${scope} and idem_key = ${key}`);
  }

  /** Forgets a claim whose request did not run (refused before any effect): it may be retried. */
  async release(scope: string, key: string): Promise<void> {
    await this.store.execute(
      sql`delete from weft_idempotency where scope = ${scope} and idem_key = ${key} and state = 'running'`,
    );
  }

  /** Deletes expired records; returns how many. */
  async cleanup(): Promise<number> {
    const result = await this.store.execute(
      sql`delete from weft_idempotency where expires_at <= ${this.now()}`,
    );
    return result.rowCount;
  }
}
