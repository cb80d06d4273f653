/**
 * Reliability scenario 5 (redelivered messages), with real processes: subscribers' processes die
 * by SIGKILL inside their handlers — before the handler's `ctx.tx`, and after it committed but
 * before the event is marked processed and acknowledged — and are restarted. The broker delivers
 * the events again (after the claim lease on the in-process queue, after `ack_wait` on JetStream:
 * the subscription's time limit plus 5 s), and each event's effect still happens exactly once per
 * subscribing service; a transaction that committed before the crash is not run again.
 */
import { afterEach, describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import { CONSUMERS, type CrashPoint } from "./fixtures/crash-app.js";
import { type Child, killChildren } from "./fixtures/crash-child.js";
import { Fleet } from "./fixtures/crash-fleet.js";
import {
  type Backend,
  type CrashTarget,
  crashTarget,
  type Mark,
  readMarks,
  waitSettled,
} from "./fixtures/crash-target.js";

const skipNats = (await unreachable("postgres")) || (await unreachable("nats"));

/** Events published per test. */
const EVENTS = 200;
/** Each service crashes on the events whose number modulo 50 is in its plan (first delivery). */
const PLAN: { modulo: number; at: Record<string, Record<number, CrashPoint>> } = {
  modulo: 50,
  at: {
    billing: { 0: "before-tx", 25: "after-tx" },
    shipping: { 10: "before-tx", 35: "after-tx" },
  },
};

const pointOf = (m: Mark) => PLAN.at[m.service]?.[m.n % PLAN.modulo];

async function consumerCrash(backend: Backend) {
  const target: CrashTarget = await crashTarget("evconsume", backend);
  const fleet = new Fleet();
  try {
    let publishing: Error | undefined;
    const publish = {
      started: (child: Child) =>
        void child
          .publish({ total: EVENTS, concurrency: 4, perSecond: 200 })
          .catch((error: Error) => {
            // A crash stops the flow (the restarted process resumes it); anything else fails.
            if (child.running) publishing = error;
          }),
    };
    if (backend === "sqlite") {
      // One process runs everything: a handler's crash takes the publisher down too.
      await fleet.add({
        name: "all",
        options: target.options({ crashes: PLAN, concurrency: 4 }),
        replicas: 1,
        ...publish,
      });
    } else {
      await fleet.add({
        name: "orders",
        options: target.options({ groups: ["orders"] }),
        replicas: 1,
        ...publish,
      });
      for (const service of CONSUMERS) {
        await fleet.add({
          name: service,
          options: target.options({ groups: [service], crashes: PLAN, concurrency: 4 }),
          replicas: 1,
        });
      }
    }
    const accounting = await waitSettled(target.store, EVENTS, 180_000, () => {
      fleet.check();
      if (publishing !== undefined) throw publishing;
    });
    const marks = await readMarks(target);
    return { accounting, marks, ended: fleet.ended };
  } finally {
    await fleet.stop();
    await killChildren();
    await target.cleanup();
  }
}

function checkConsumerCrash(store: string, r: Awaited<ReturnType<typeof consumerCrash>>) {
  const kills = r.marks.filter((m) => m.kind === "K");
  const crashed = [...r.ended.values()].reduce((sum, e) => sum + e.crashed, 0);
  const lines: string[] = [];
  for (const service of CONSUMERS) {
    const mine = r.marks.filter((m) => m.service === service);
    const began = mine.filter((m) => m.kind === "B");
    const redelivered = began.filter((m) => m.attempt > 1);
    const before = kills.filter((k) => k.service === service && pointOf(k) === "before-tx");
    const after = kills.filter((k) => k.service === service && pointOf(k) === "after-tx");
    lines.push(
      `${service}: ${before.length} crashes before the handler's transaction, ${after.length} after it committed; ` +
        `${began.length} handler invocations for ${EVENTS} events (${redelivered.length} redeliveries)`,
    );
    // Crashes of both kinds happened, and redeliveries followed.
    expect(before.length).toBeGreaterThan(0);
    expect(after.length).toBeGreaterThan(0);
    expect(began.length).toBeGreaterThan(EVENTS);
    expect(redelivered.length).toBeGreaterThan(0);
    for (const k of [...before, ...after]) {
      const later = r.marks
        .slice(r.marks.indexOf(k) + 1)
        .filter((m) => m.service === service && m.n === k.n);
      // The event came again …
      expect(later.some((m) => m.kind === "B" && m.attempt > 1)).toBe(true);
      // … and a transaction that committed before the crash returned its recorded result: its
      // body did not run again (one that had not run, ran).
      expect(later.some((m) => m.kind === "T")).toBe(pointOf(k) === "before-tx");
    }
    expect(r.accounting.missing[service]).toEqual([]);
    expect(r.accounting.duplicated[service]).toEqual([]);
    expect(r.accounting.processed[service]).toBe(EVENTS);
  }
  console.log(
    `consumer crash (${store}): ${EVENTS} events, ${crashed} processes killed by SIGKILL in a handler and restarted; ${lines.join("; ")}`,
  );
  // Every crash the handlers planned is a process that died by SIGKILL (and was replaced).
  expect(crashed).toBe(kills.length);
  expect(r.accounting.deadLetters).toBe(0);
}

describe("subscribers' processes killed inside their handlers and restarted", () => {
  afterEach(() => killChildren());

  it("SQLite, in-process broker: each event's effect happens once per service", async () => {
    checkConsumerCrash("sqlite", await consumerCrash("sqlite"));
  }, 300_000);

  it.skipIf(skipNats)(
    "PostgreSQL + JetStream: each event's effect happens once per service",
    async () => {
      checkConsumerCrash("postgres+jetstream", await consumerCrash("jetstream"));
    },
    300_000,
  );
});
