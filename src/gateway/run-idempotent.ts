/**
 * A call under an `Idempotency-Key`: claim the key, run, store the answer. Final answers are
 * stored — successes and errors alike (a declined card, a 500) — so a retry replays them and never
 * runs the method twice. Three kinds of errors release the key instead: INVALID_ARGUMENT (the
 * request itself is wrong: the client may fix it and retry with the same key), transient refusals
 * that say nothing ran (retryable, `mayHaveRun: false`: no instance available, shutting down,
 * rate limited), and answers that do not know the outcome ("maybe": the deadline passed or the
 * call was cancelled while the method may have run, or a retryable error that may have run, such
 * as a workflow run still running). Stored, a "maybe" would hide the real outcome from every retry
 * for the retention period; released, the retry runs the method again, and the method finds its
 * first run's outcome through the call's `idempotency-id` metadata ({@link idempotencyId}: the same
 * on every retry of the key), as the shop's checkout does with its order id.
 */
import { createHash } from "node:crypto";
import { normalizeError, type Principal, type WeftError } from "../core/index.js";
import { fingerprintOf, type IdempotencyRecords, scopeOf } from "./idempotency.js";
import { edgeError, type RenderedProblem } from "./problem.js";
import type { IdempotencyMode } from "./types.js";

/** An answer to send. */
export interface Answer {
  readonly status: number;
  readonly body: string | undefined;
  readonly contentType: string;
  /** Headers of this answer besides the usual ones. */
  readonly headers?: Record<string, string>;
}

/** What {@link runIdempotent} needs. */
export interface IdempotentCall {
  readonly records: IdempotencyRecords;
  readonly mode: IdempotencyMode;
  /** The request's `Idempotency-Key` header. */
  readonly header: string | string[] | undefined;
  readonly principal: Principal | undefined;
  readonly fingerprint: {
    readonly method: string;
    readonly target: string;
    readonly body: Buffer | undefined;
  };
  /** How long the claim holds before another gateway may take it over. */
  readonly lockMs: number;
  readonly call: () => Promise<Answer>;
  readonly problem: (error: WeftError) => RenderedProblem;
  /** Told when the answer could not be stored (the client still gets it). */
  readonly onStoreError: (error: unknown) => void;
}

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The key of an `Idempotency-Key` header (a plain token or a quoted structured-field string). */
function keyOf(header: string | string[] | undefined, mode: IdempotencyMode): string | undefined {
  if (header === undefined) {
    if (mode === "optional") return undefined;
    throw edgeError(
      400,
      "INVALID_ARGUMENT",
      "IDEMPOTENCY_KEY_MISSING",
      "this operation needs an Idempotency-Key header",
      {
        issues: [{ path: ["headers", "idempotency-key"], message: "required" }],
      },
    );
  }
  const raw = Array.isArray(header) ? "" : header.trim();
  const key = raw.length > 1 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!KEY.test(key)) {
    throw edgeError(
      400,
      "INVALID_ARGUMENT",
      "IDEMPOTENCY_KEY_INVALID",
      "the Idempotency-Key must be 1 to 255 visible ASCII characters, sent once",
      {
        issues: [
          { path: ["headers", "idempotency-key"], message: "1 to 255 visible ASCII characters" },
        ],
      },
    );
  }
  return key;
}

/** The call metadata key holding {@link idempotencyId}. */
export const IDEMPOTENCY_ID = "idempotency-id";

/**
 * A stable id of a request's idempotency key within its caller's scope (32 hex characters), the
 * same on every retry with that key; undefined without a valid key. Methods under a key get it as
 * `ctx.metadata["idempotency-id"]` to make their effects idempotent (e.g. as a default order id).
 */
export function idempotencyId(
  principal: Principal | undefined,
  header: string | string[] | undefined,
): string | undefined {
  let key: string | undefined;
  try {
    key = keyOf(header, "optional");
  } catch {
    return undefined;
  }
  if (key === undefined) return undefined;
  return createHash("sha256")
    .update(`${scopeOf(principal)}\n${key}`)
    .digest("hex")
    .slice(0, 32);
}

/**
 * Whether an error's answer is final (stored and replayed). Not final: INVALID_ARGUMENT, refusals
 * that say nothing ran, and "maybe" answers that do not know whether the method's work happened.
 */
function isFinal(error: WeftError): boolean {
  if (error.code === "INVALID_ARGUMENT") return false;
  if (error.retryable) return false;
  const unknownOutcome = error.code === "DEADLINE_EXCEEDED" || error.code === "CANCELLED";
  return !(unknownOutcome && error.mayHaveRun);
}

/** Runs `c.call` under the request's idempotency key (or plainly without one). */
export async function runIdempotent(c: IdempotentCall): Promise<Answer> {
  const key = keyOf(c.header, c.mode);
  if (key === undefined) return c.call();
  const scope = scopeOf(c.principal);
  const f = c.fingerprint;
  const claim = await c.records.claim(
    scope,
    key,
    fingerprintOf(f.method, f.target, f.body),
    c.lockMs,
  );
  switch (claim.kind) {
    case "replay":
      return {
        status: claim.status,
        body: claim.body === "" ? undefined : claim.body,
        contentType: claim.contentType,
        headers: { "idempotency-replayed": "true" },
      };
    case "in-flight":
      throw edgeError(
        409,
        "ABORTED",
        "IDEMPOTENCY_KEY_IN_USE",
        "a request with this Idempotency-Key is still being processed; retry later",
        {
          headers: { "retry-after": "1" },
          retryable: true,
        },
      );
    case "mismatch":
      throw edgeError(
        422,
        "INVALID_ARGUMENT",
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was used with a different request",
      );
  }
  let answer: Answer;
  try {
    answer = await c.call();
  } catch (thrown) {
    const error = normalizeError(thrown);
    if (isFinal(error)) {
      const problem = c.problem(error);
      await c.records
        .complete(scope, key, problem.status, problem.body, "application/problem+json")
        .catch(c.onStoreError);
    } else {
      await c.records.release(scope, key).catch(c.onStoreError);
    }
    throw error;
  }
  // The call ran: its answer goes to the client even if the store fails now (the record then
  // stays claimed until its lock lapses).
  await c.records
    .complete(scope, key, answer.status, answer.body ?? "", answer.contentType)
    .catch(c.onStoreError);
  return answer;
}
