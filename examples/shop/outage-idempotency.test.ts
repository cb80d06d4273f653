/**
 * Issue 15, item 11, under a real outage: the shop split (edge, orders, catalog) over a private
 * NATS server, on PostgreSQL. Checkouts are sent under `Idempotency-Key`s while the server is
 * killed; it stays down until every checkout in flight has answered, some of them with a "maybe"
 * (409 `RUN_NOT_FINISHED` or 504 `DEADLINE_EXCEEDED`, `mayHaveRun: true`), then starts again.
 * Retrying each checkout with its key must then reach the real outcome — the order's 201, never a
 * replayed "maybe" for an order that went through — and each key must yield one order and one
 * charge. Each key is sent from a loopback address of its own (the checkout route's rate limit
 * counts per client address), so polling one key never throttles another.
 */
import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sql } from "weft/store";
import { createPostgresStore } from "weft/store/postgres";
import {
  type PrivateNats,
  type SplitHarness,
  startPrivateNats,
  startSplit,
  unreachable,
} from "weft/testing";
import { FINAL_STATUSES, type RunStatus } from "weft/workflow";
import { createShop } from "./app.js";
import { PRODUCT_IDS, SAMPLE_ADDRESS, sampleCard } from "./fixtures.js";
import {
  dropSchemas,
  eventually,
  privateDataDir,
  TEST_DATABASE_URL,
  untilListening,
} from "./test-support.js";

const skip = (await unreachable("postgres")) || (await unreachable("nats"));

/** Checkouts per round, all under way when the server is killed. */
const CHECKOUTS = 6;
/** Outage rounds at most, until one shows an order that answered a "maybe", then went through. */
const ROUNDS = 4;
/** How long a key is retried after the server is back before the test gives up. */
const RETRY_BOUND_MS = 30_000;

interface Reply {
  readonly status: number;
  readonly replayed: boolean;
  readonly body: Record<string, unknown>;
}

/** A JSON request to the gateway from loopback address `from`. */
function send(url: string, from: string, method: string, path: string, body?: unknown) {
  const { hostname, port } = new URL(url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return (headers: Record<string, string> = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          method,
          path,
          localAddress: from,
          headers: { "content-type": "application/json", ...headers },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8").on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () =>
            resolve({
              status: res.statusCode ?? 0,
              replayed: res.headers["idempotency-replayed"] === "true",
              body: text === "" ? {} : (JSON.parse(text) as Record<string, unknown>),
            }),
          );
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
}

/** A refusal that says nothing ran and asks to try again later (NATS not reconnected yet). */
const tryLater = (r: Reply) => r.status === 503 || r.status === 429;

/** A "maybe": an answer that does not know whether the order went through. */
const isMaybe = (r: Reply) =>
  (r.status === 409 || r.status === 504) &&
  r.body.mayHaveRun === true &&
  (r.body.reason === "RUN_NOT_FINISHED" || r.body.code === "DEADLINE_EXCEEDED");

describe.skipIf(skip)("shop split: an idempotent checkout retried after a NATS outage", () => {
  const dataDir = privateDataDir();
  let nats: PrivateNats;
  let h: SplitHarness;
  let url: string;
  beforeAll(async () => {
    nats = await startPrivateNats();
    h = await startSplit({
      module: new URL("./app.ts", import.meta.url),
      definition: createShop(),
      natsUrl: nats.url,
      env: {
        WEFT_DATA_DIR: dataDir,
        WEFT_DATABASE_URL: TEST_DATABASE_URL,
        // Checkouts answer a "maybe" 1 s into the outage, which then ends: within the 2 s a
        // call's default retry rides out NOT_CONNECTED, so runs under way can still complete.
        WEFT_CALL_TIMEOUT: "1s",
      },
      appOptions: { config: { dataDir } },
    });
    url = h.http as string;
    await untilListening(url);
  }, 60_000);
  afterAll(async () => {
    await h?.stop();
    await nats?.stop();
    if (h !== undefined) await dropSchemas(TEST_DATABASE_URL, [h.app.name.toLowerCase()]);
  }, 60_000);

  /** One checkout of a round: its key, user, loopback address and order id. */
  interface Checkout {
    readonly key: string;
    readonly user: string;
    readonly from: string;
    /** The key's `idempotency-id` (anonymous caller), which checkout takes as the order id. */
    readonly orderId: string;
  }

  const checkoutOf = (round: number, i: number): Checkout => {
    const key = `outage-${process.pid}-${round}-${i}`;
    const orderId = createHash("sha256").update(`anonymous\n${key}`).digest("hex").slice(0, 32);
    return {
      key,
      user: `outage-${round}-${i}`,
      from: `127.0.0.${20 + round * CHECKOUTS + i}`,
      orderId,
    };
  };

  const placeOrder = (c: Checkout) =>
    send(url, c.from, "POST", "/checkout", {
      userId: c.user,
      userCurrency: "EUR",
      email: `${c.user}@example.com`,
      address: SAMPLE_ADDRESS,
      creditCard: sampleCard(),
    })({ "idempotency-key": c.key });

  /** The order's run status (GET /orders reads the journal); undefined while it has none. */
  const statusOf = async (c: Checkout) => {
    const r = await send(url, c.from, "GET", `/orders/${c.orderId}`)();
    return r.status === 200 ? r.body.status : undefined;
  };

  /**
   * Retries `c` with its key until the answer is the order's real outcome: a 2xx, or the error of
   * a run that ended without an order (the outage failed it before it charged anything).
   */
  async function retryUntilKnown(c: Checkout): Promise<Reply> {
    const end = Date.now() + RETRY_BOUND_MS;
    for (;;) {
      const reply = await placeOrder(c);
      // A replayed "maybe" is the stale answer the key would give for its whole retention.
      if (reply.status < 300 || (isMaybe(reply) && reply.replayed) || Date.now() > end)
        return reply;
      const status = await statusOf(c);
      const ended = status === "failed" || status === "compensated";
      if (!isMaybe(reply) && (!tryLater(reply) || ended)) return reply;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Sends a round of checkouts, kills the server while they are on their way and keeps it down
   * until all have answered, starts it again, then retries each key until its outcome is known.
   */
  async function outageRound(round: number) {
    const checkouts = Array.from({ length: CHECKOUTS }, (_, i) => checkoutOf(round, i));
    for (const c of checkouts) {
      const add = send(url, c.from, "POST", `/carts/${c.user}/items`, {
        productId: PRODUCT_IDS.mug,
        quantity: 1,
      });
      // After an earlier round the edge process may still be reconnecting (503).
      const added = await eventually(add, (r) => !tryLater(r), RETRY_BOUND_MS);
      expect(added.status).toBe(200);
    }
    const answers = checkouts.map(placeOrder);
    // Killed while the checkouts are on their way.
    await nats.kill(0);
    const first = await Promise.all(answers);
    await nats.start(0);
    const final = await Promise.all(checkouts.map(retryUntilKnown));
    // The runs the outage left running end once the connection is back.
    const ended = (status: unknown) => FINAL_STATUSES.has(status as RunStatus);
    const statuses = await Promise.all(
      checkouts.map((c) => eventually(() => statusOf(c), ended, RETRY_BOUND_MS)),
    );
    return checkouts.map((c, i) => ({
      ...c,
      first: first[i] as Reply,
      final: final[i] as Reply,
      status: statuses[i],
    }));
  }

  it("answers each key's retry with its order once NATS is back: one order and one charge per key", async () => {
    const results: Awaited<ReturnType<typeof outageRound>> = [];
    // Until some order answered a "maybe" and then went through (a run may instead fail during
    // the outage, before it charges anything), within a few rounds.
    for (let round = 0; round < ROUNDS; round++) {
      results.push(...(await outageRound(round)));
      if (results.some((r) => isMaybe(r.first) && r.status === "completed")) break;
    }
    const seen = results.map((r) => [r.first.status, r.first.body.reason, r.status]);
    expect(
      results.some((r) => isMaybe(r.first) && r.status === "completed"),
      JSON.stringify(seen),
    ).toBe(true);
    for (const r of results) {
      // Every key's last answer is its real outcome, never a (replayed) "maybe".
      expect(
        isMaybe(r.final),
        `${r.key} (${r.status}): ${r.final.replayed ? "replayed " : ""}${JSON.stringify(r.final.body)}`,
      ).toBe(false);
      if (r.status === "completed") {
        expect(r.final.status).toBe(201);
        expect(r.final.body.orderId).toBe(r.orderId);
      } else {
        expect(r.status).toMatch(/^(failed|compensated)$/);
      }
    }
    // One order per key (the run whose id is the key's idempotency-id) and one charge per order
    // that went through; none kept for one that did not.
    const store = await createPostgresStore({
      url: TEST_DATABASE_URL,
      schema: h.app.name.toLowerCase(),
      poolSize: 1,
    });
    try {
      const runs = await store.query<{ id: string }>(
        sql`select id from weft_runs where workflow = 'checkout'`,
      );
      expect(runs.map((r) => r.id).sort()).toEqual(results.map((r) => r.orderId).sort());
      const charges = await store.query<{ order_id: string }>(
        sql`select order_id from payment_charges where refunded_at is null`,
      );
      const completed = results.filter((r) => r.status === "completed").map((r) => r.orderId);
      expect(charges.map((c) => c.order_id).sort()).toEqual(completed.sort());
    } finally {
      await store.close();
    }
  }, 120_000);
});
