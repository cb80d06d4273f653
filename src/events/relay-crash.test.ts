/**
 * Reliability scenario 2, the relay: a process places a steady flow of orders (each with its event,
 * in one transaction) while it is killed by SIGKILL — by the parent at random moments, and by its
 * own relay just after claiming a batch (before the broker has it) and just after the broker took
 * a batch (before it is marked published). Restarted each time on the same store, the relay hands
 * the cut-short batches on again once their claim expires, and every committed order's event is
 * processed exactly once by each subscribing service (on JetStream, the repeated batches are
 * dropped as duplicates: the stream holds each event once).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { sql } from "../store/index.js";
import { unreachable } from "../testing/services.js";
import { CONSUMERS } from "./fixtures/crash-app.js";
import { type Child, killChildren, Standby, spawnChild } from "./fixtures/crash-child.js";
import {
  type Backend,
  type CrashTarget,
  readMarks,
  streamMessages,
  waitSettled,
  withCrashTarget,
} from "./fixtures/crash-target.js";

const skipPostgres = await unreachable("postgres");
const skipNats = skipPostgres || (await unreachable("nats"));

/** Events placed (and relayed) while the publishing process is killed, per broker. */
const FLOW = 2_000;
/**
 * How fast the publishing process places them, so that the flow lasts through the kills (on
 * SQLite every commit waits for fsync on the event loop: a faster flow would starve the relay and
 * the subscribers of the same process).
 */
const PER_SECOND = 100;
/** Kills of the publishing process: at random moments, and by its relay at the two points. */
const KILLS = { random: 4, "before-broker": 3, "after-broker": 3 } as const;

type KillKind = keyof typeof KILLS;

/** Outbox rows claimed by a relay and not marked published: a relay batch cut short. */
async function claimsCutShort(target: CrashTarget): Promise<number> {
  const [row] = await target.store.query<{ c: number | string }>(sql`
    select count(*) as c from weft_outbox where published_at is null and claimed_until is not null`);
  return Number(row?.c ?? 0);
}

async function relayCrash(backend: Backend) {
  return withCrashTarget("evrelay", backend, async (target) => {
    // Split (JetStream): the publisher runs alone and the subscribers in a process of their own;
    // in one process (SQLite), the kills take the subscribers down with the publisher.
    const split = backend === "jetstream";
    const consumers = split
      ? spawnChild(target.options({ groups: ["billing", "shipping"] }))
      : undefined;
    await consumers?.go();
    const standby = new Standby(target.options(split ? { groups: ["orders"] } : {}), 2);
    const plan: KillKind[] = [];
    for (const [kind, n] of Object.entries(KILLS))
      for (let i = 0; i < n; i++) plan.push(kind as KillKind);
    plan.sort(() => Math.random() - 0.5);
    const kills: { kind: KillKind; cutShort: number }[] = [];
    try {
      let finished = false;
      for (const kind of plan) {
        const child: Child = await standby.next(
          kind === "random"
            ? undefined
            : { point: kind, batch: 2 + Math.floor(Math.random() * 10) },
        );
        let failed: Error | undefined;
        child.publish({ total: FLOW, concurrency: 4, perSecond: PER_SECOND }).then(
          () => {
            finished = true;
          },
          (error: Error) => {
            failed = error;
          },
        );
        if (kind === "random") {
          await sleep(300 + Math.random() * 1_200);
          await child.kill("SIGKILL");
        }
        const exit = await Promise.race([
          child.exited,
          sleep(60_000).then(() => {
            throw new Error(
              `the relay did not reach ${kind} within 60 s (${failed ?? "the flow went on"}):\n${child.output()}`,
            );
          }),
        ]);
        if (finished) throw new Error(`the flow of ${FLOW} ended before kill ${kills.length + 1}`);
        expect(exit.signal).toBe("SIGKILL");
        kills.push({ kind, cutShort: await claimsCutShort(target) });
      }
      const last = await standby.next();
      await last.guard(last.publish({ total: FLOW, concurrency: 4, perSecond: 10_000 }));
      const accounting = await last.guard(waitSettled(target.store, FLOW, 120_000));
      const marks = await readMarks(target);
      return {
        kills,
        relayKills: marks.filter((m) => m.kind === "R"),
        accounting,
        stream: split ? await streamMessages(target.app) : undefined,
      };
    } finally {
      await standby.close();
      await consumers?.kill("SIGKILL");
    }
  });
}

function checkRelayCrash(store: string, r: Awaited<ReturnType<typeof relayCrash>>) {
  const count = (kind: KillKind) => r.kills.filter((k) => k.kind === kind).length;
  const cutShort = (kind: KillKind) =>
    r.kills.filter((k) => k.kind === kind && k.cutShort > 0).length;
  console.log(
    `relay crash (${store}): ${FLOW} events, ${r.kills.length} kills of the publishing process ` +
      `(${count("random")} at random moments, ${cutShort("random")} of them with a relay batch cut short; ` +
      `${count("before-broker")} by the relay after claiming a batch, before the broker took it; ` +
      `${count("after-broker")} after the broker took it, before it was marked published); ` +
      `processed per service: ${CONSUMERS.map((s) => `${s} ${r.accounting.processed[s]}`).join(", ")}` +
      (r.stream === undefined ? "" : `; messages in the stream: ${r.stream}`),
  );
  expect(r.relayKills.map((m) => m.service).sort()).toEqual(
    r.kills
      .filter((k) => k.kind !== "random")
      .map((k) => k.kind)
      .sort(),
  );
  // The relay's kills left their batch claimed and unpublished: they had to be relayed again.
  expect(cutShort("before-broker")).toBe(KILLS["before-broker"]);
  expect(cutShort("after-broker")).toBe(KILLS["after-broker"]);
  expect(r.accounting.orders).toBe(FLOW);
  for (const service of CONSUMERS) {
    expect(r.accounting.missing[service]).toEqual([]);
    expect(r.accounting.duplicated[service]).toEqual([]);
    expect(r.accounting.processed[service]).toBe(FLOW);
  }
  expect(r.accounting.unpublished).toBe(0);
  expect(r.accounting.deadLetters).toBe(0);
  // Batches handed to JetStream again were dropped as repeats (same message id).
  if (r.stream !== undefined) expect(r.stream).toBe(FLOW);
}

describe("the publishing process killed while it relays a steady flow", () => {
  afterEach(() => killChildren());

  it("SQLite, in-process broker: every event is processed once by each service", async () => {
    checkRelayCrash("sqlite", await relayCrash("sqlite"));
  }, 300_000);

  it.skipIf(skipNats)(
    "PostgreSQL + JetStream: every event is processed once by each service",
    async () => {
      checkRelayCrash("postgres+jetstream", await relayCrash("jetstream"));
    },
    300_000,
  );
});
