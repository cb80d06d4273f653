/**
 * Reliability scenario 15 for events, split across processes on PostgreSQL and NATS JetStream: a
 * publisher process places a flow of orders (each order and its event in one transaction) while
 * two subscribing services run two replica processes each, sharing one durable consumer per
 * service. The parent kills replicas with SIGKILL at random moments (and now and then the
 * publisher) and restarts each at once. At the end every committed order has been processed
 * exactly once by each service: one effect row per event per service, none missing, and the
 * inboxes and the stream agree.
 *
 * That faults made handlers run again is driven, not hoped for: besides the random kills, each
 * service's handler kills its own process, before its transaction, on the first delivery of three
 * planned events, and the kill loop goes on until some event's handler has begun again (bounded).
 * A delivery numbered 2 proves nothing by itself: the first may have died with its process before
 * the handler began.
 *
 * `WEFT_SOAK_EVENTS` sets the number of events (default 10,000 in CI — `CI` set — else 2,000).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import { CONSUMERS } from "./fixtures/crash-app.js";
import { killChildren } from "./fixtures/crash-child.js";
import { Fleet } from "./fixtures/crash-fleet.js";
import {
  account,
  crashTarget,
  type Mark,
  readMarks,
  streamMessages,
  waitSettled,
} from "./fixtures/crash-target.js";

const skip = (await unreachable("postgres")) || (await unreachable("nats"));

const EVENTS = Number(process.env.WEFT_SOAK_EVENTS ?? (process.env.CI ? 10_000 : 2_000));
/** Replica processes per subscribing service. */
const REPLICAS = 2;
/** Most kill rounds (a slow machine would otherwise spend its time restarting processes). */
const MAX_KILLS = 16;
/** Planned handler crashes: three per service, spread over the flow, on different events. */
const CRASH_EVERY = Math.ceil(EVENTS / 3);
const CRASHES = {
  modulo: CRASH_EVERY,
  at: Object.fromEntries(
    CONSUMERS.map((service, i) => [
      service,
      { [Math.floor(CRASH_EVERY / 2) + i]: "before-tx" as const },
    ]),
  ),
};

/** Events whose handler began more than once in `service` (after a kill, or a retry). */
function reinvoked(marks: readonly Mark[], service: string): number {
  const began = new Map<number, number>();
  for (const m of marks)
    if (m.kind === "B" && m.service === service) began.set(m.n, (began.get(m.n) ?? 0) + 1);
  return [...began.values()].filter((count) => count > 1).length;
}

async function soak() {
  const target = await crashTarget("evsoak", "jetstream");
  const fleet = new Fleet();
  const began = Date.now();
  let publishing: Error | undefined;
  const check = () => {
    fleet.check();
    if (publishing !== undefined) throw publishing;
  };
  try {
    await fleet.add({
      name: "orders",
      options: target.options({ groups: ["orders"] }),
      replicas: 1,
      // A steady flow over about a minute (ten orders and their events per transaction), so
      // that the kills below land while the subscribers have work in hand.
      started: (child) =>
        void child
          .publish({
            total: EVENTS,
            concurrency: 4,
            perSecond: Math.max(50, Math.round(EVENTS / 60)),
            perTx: 10,
          })
          .catch((error: Error) => {
            // A publisher killed by the test stops publishing; any other failure is the test's.
            if (child.running) publishing = error;
          }),
    });
    for (const service of CONSUMERS) {
      await fleet.add({
        name: service,
        // Each handler works 50 ms before its transaction: a replica holds several deliveries
        // at any moment of the flow, so a kill cuts some short and they come again.
        options: target.options({
          groups: [service],
          concurrency: 16,
          handlerMs: 50,
          crashes: CRASHES,
        }),
        replicas: REPLICAS,
      });
    }
    // Kill at random moments (every 2–6 s: a restart costs as much CPU as hundreds of events),
    // while the flow lasts, until both services were killed and a handler began again because
    // of it (or MAX_KILLS rounds).
    const kills = new Map<string, number>();
    for (let round = 0; ; round++) {
      await sleep(2_000 + Math.random() * 4_000);
      check();
      const a = await account(target.store);
      const least = Math.min(...CONSUMERS.map((s) => a.processed[s] ?? 0));
      const marks = await readMarks(target);
      const faulted =
        CONSUMERS.every((s) => kills.has(s)) && CONSUMERS.some((s) => reinvoked(marks, s) > 0);
      if ((faulted && least >= EVENTS * 0.5) || least >= EVENTS || round >= MAX_KILLS) break;
      // The subscribers' replicas in turn; every fifth kill, the publisher while it publishes.
      const role =
        round % 5 === 4 && a.orders < EVENTS ? "orders" : (CONSUMERS[round % 2] as string);
      if (await fleet.kill(role)) kills.set(role, (kills.get(role) ?? 0) + 1);
    }
    const accounting = await waitSettled(target.store, EVENTS, 300_000, check);
    const marks = await readMarks(target);
    return {
      accounting,
      marks,
      kills,
      ended: fleet.ended,
      stream: await streamMessages(target.app),
      seconds: Math.round((Date.now() - began) / 1000),
    };
  } finally {
    await fleet.stop();
    await killChildren();
    await target.cleanup();
  }
}

describe.skipIf(skip)("soak: events across processes with replicas killed at random", () => {
  afterEach(() => killChildren());

  it(`every one of ${EVENTS} events is processed exactly once by each service`, async () => {
    const r = await soak();
    const killed = [...r.kills.values()].reduce((a, b) => a + b, 0);
    const perService = CONSUMERS.map((service) => {
      const began = r.marks.filter((m) => m.kind === "B" && m.service === service);
      return {
        service,
        invocations: began.length,
        redelivered: began.filter((m) => m.attempt > 1).length,
        reinvoked: reinvoked(r.marks, service),
        planned: r.marks.filter((m) => m.kind === "K" && m.service === service).length,
      };
    });
    console.log(
      `soak (postgres+jetstream): ${EVENTS} events in ${r.seconds} s; ${killed} SIGKILLs (${[
        ...r.kills,
      ]
        .map(([role, n]) => `${role} ${n}`)
        .join(", ")}), each process restarted; ` +
        perService
          .map(
            (p) =>
              `${p.service}: ${p.invocations} handler invocations, ${p.redelivered} redeliveries, ${p.reinvoked} events begun again, ${p.planned} planned crashes`,
          )
          .join("; ") +
        `; messages in the stream: ${r.stream}`,
    );
    // Faults happened, and handlers ran again because of them: a planned crash lands inside a
    // handler that began, so its event begins again (on the first delivery of each of its three
    // events: a random kill may take one first delivery away, not all three).
    expect(CONSUMERS.every((s) => (r.kills.get(s) ?? 0) > 0)).toBe(true);
    for (const p of perService) {
      expect(p.planned, p.service).toBeGreaterThan(0);
      expect(p.reinvoked, p.service).toBeGreaterThanOrEqual(p.planned);
      expect(p.invocations, p.service).toBeGreaterThan(EVENTS);
    }
    for (const service of CONSUMERS) {
      expect(r.ended.get(service)?.killed).toBe(r.kills.get(service));
      // Every process that died by itself was a planned crash.
      expect(r.ended.get(service)?.crashed).toBe(
        perService.find((p) => p.service === service)?.planned,
      );
    }
    // Nothing lost, nothing done twice.
    expect(r.accounting.orders).toBe(EVENTS);
    for (const service of CONSUMERS) {
      expect(r.accounting.missing[service]).toEqual([]);
      expect(r.accounting.duplicated[service]).toEqual([]);
      expect(r.accounting.phantom[service]).toEqual([]);
      expect(r.accounting.processed[service]).toBe(EVENTS);
    }
    expect(r.accounting.unpublished).toBe(0);
    expect(r.accounting.deadLetters).toBe(0);
    expect(r.stream).toBe(EVENTS);
  }, 600_000);
});
