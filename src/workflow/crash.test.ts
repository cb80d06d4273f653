/**
 * Reliability scenario 1, with real processes: a worker executing runs is killed with SIGKILL at
 * random points — steered to land inside a step or at a step boundary — and restarted, again and
 * again, until every run completed. An external log of every step execution (not the journal)
 * shows where each kill landed, and that each recorded step ran once: a step ran again only where
 * a kill cut it short, and never after its result was recorded.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import {
  type CrashTarget,
  checkJournal,
  clientApp,
  crashTarget,
  SHARED_POSTGRES,
  startRuns,
  workerOptions,
} from "./fixtures/crash-support.js";
import { STEPS } from "./fixtures/crash-workflow.js";
import {
  checkExecutions,
  lastEvents,
  positionName,
  positionOf,
} from "./fixtures/execution-checks.js";
import { ExecutionLog, type LogEvent } from "./fixtures/execution-log.js";
import { killWorkers, spawnWorker, type Worker } from "./fixtures/worker-process.js";

const skipPostgres = await unreachable("postgres");

/** Kills wanted of each kind (inside a step, at a step boundary). */
const KILLS_EACH = 50;
/** Runs started at first; more are started while kills are still wanted and few runs are left. */
const FIRST_RUNS = 200;
const STEP_MS = 50;
const GAP_MS = 50;

/** Where the parent aims a kill: inside step `step` (1-4), or at boundary `after` (0-4). */
type Aim = { kind: "inside"; step: number } | { kind: "boundary"; after: number };

function chooseAim(landed: { inside: number; boundary: number }): Aim {
  const inside =
    landed.boundary >= KILLS_EACH || (landed.inside < KILLS_EACH && Math.random() < 0.5);
  return inside
    ? { kind: "inside", step: 1 + Math.floor(Math.random() * STEPS.length) }
    : { kind: "boundary", after: Math.floor(Math.random() * (STEPS.length + 1)) };
}

function aimedAt(aim: Aim): (e: LogEvent) => boolean {
  if (aim.kind === "inside") return (e) => e.event === "B" && e.step === STEPS[aim.step - 1];
  if (aim.after === 0) return (e) => e.event === "S";
  return (e) => e.event === "R" && e.step === STEPS[aim.after - 1];
}

/**
 * Waits until `worker` reaches the aim; if no run comes there soon (say the runs at hand are all
 * past step 1), takes the next event of the same kind (any step entered; any boundary).
 */
async function aimAt(log: ExecutionLog, worker: Worker, aim: Aim, from: number) {
  const reach = (match: (e: LogEvent) => boolean, ms: number, what: string) =>
    worker.guard(log.waitFor((e) => e.pid === worker.pid && match(e), from, ms, what));
  try {
    return await reach(aimedAt(aim), 3000, JSON.stringify(aim));
  } catch (error) {
    if (!worker.running) throw error;
    const kind =
      aim.kind === "inside"
        ? (e: LogEvent) => e.event === "B"
        : (e: LogEvent) => e.event === "S" || e.event === "R";
    return reach(kind, 20_000, `${aim.kind} by worker ${worker.pid}`).catch((failed: Error) => {
      throw new Error(`${failed.message}; the worker's output:\n${worker.output()}`);
    });
  }
}

/** Kills and restarts workers until enough kills landed of each kind, then lets them finish. */
async function crashAndRecover(target: CrashTarget) {
  const log = new ExecutionLog(target.log);
  const client = await clientApp(target);
  try {
    const ids = await startRuns(client, "run", 0, FIRST_RUNS);
    const options = workerOptions(target, { stepMs: STEP_MS, gapMs: GAP_MS, maxConcurrent: 8 });
    const killed = new Map<number, number>();
    const landed = { inside: 0, boundary: 0 };
    const byPosition = new Map<string, number>();
    const runsCaught = { inside: 0, boundary: 0 };
    // The next workers load their modules while the current one runs, so a restart is quick.
    const standby = [spawnWorker(options), spawnWorker(options)];
    const next = () => {
      standby.push(spawnWorker(options));
      return standby.shift() as Worker;
    };
    while (landed.inside < KILLS_EACH || landed.boundary < KILLS_EACH) {
      if (killed.size >= 6 * KILLS_EACH)
        throw new Error(`too many kills: ${JSON.stringify(landed)}`);
      // Keep runs no worker has touched yet, so that every aim (even step 1) can be met.
      if (ids.length - log.seenRuns().size < 24) {
        ids.push(...(await startRuns(client, "run", ids.length, 50)));
      }
      const worker = next();
      log.read();
      const from = log.events.length;
      await worker.go();
      const aim = chooseAim(landed);
      const trigger = await aimAt(log, worker, aim, from);
      await sleep(Math.random() * (aim.kind === "inside" ? 0.6 * STEP_MS : 0.3 * GAP_MS));
      killed.set(worker.pid, Date.now());
      await worker.kill("SIGKILL");
      log.read();
      // Where the kill landed for the run it was aimed at, and for every run the worker held.
      const last = lastEvents(log.events, worker.pid);
      const position = positionOf(last.get(trigger.run) ?? trigger);
      landed[position.kind] += 1;
      byPosition.set(positionName(position), (byPosition.get(positionName(position)) ?? 0) + 1);
      for (const e of last.values()) if (e.event !== "F") runsCaught[positionOf(e).kind] += 1;
    }
    const final = standby.shift() as Worker;
    await final.go({ maxConcurrent: 64 });
    const journal = await final.guard(checkJournal(client, ids));
    await final.kill("SIGTERM");
    log.read();
    const report = checkExecutions(log.events, { killed, recordedAt: journal.recordedAt });
    return { ids, killed, landed, byPosition, runsCaught, journal, report };
  } finally {
    await client.stop();
  }
}

async function scenario(store: string, target: CrashTarget) {
  try {
    const r = await crashAndRecover(target);
    console.log(
      `crash test (${store}): ${r.ids.length} runs, ${r.killed.size + 1} workers, ${r.killed.size} kills: ` +
        `${r.landed.inside} inside a step, ${r.landed.boundary} at a step boundary ` +
        `(${[...r.byPosition]
          .sort()
          .map(([k, v]) => `${k}: ${v}`)
          .join(", ")}); ` +
        `runs caught by the kills: ${r.runsCaught.inside} inside a step, ${r.runsCaught.boundary} at a boundary; ` +
        `${r.report.executions} step executions, ${r.report.reExecutions} re-executions ` +
        `(${r.report.interruptedByKill} after a kill inside the step)`,
    );
    expect(r.journal.problems).toEqual([]);
    expect(r.report.problems).toEqual([]);
    expect(r.ids.length).toBeGreaterThanOrEqual(FIRST_RUNS);
    expect(r.landed.inside).toBeGreaterThanOrEqual(KILLS_EACH);
    expect(r.landed.boundary).toBeGreaterThanOrEqual(KILLS_EACH);
    expect(r.report.reExecutions).toBe(r.report.interruptedByKill);
  } finally {
    await killWorkers();
    await target.cleanup();
  }
}

describe("workflow workers killed with SIGKILL and restarted", () => {
  afterEach(() => killWorkers());

  it("SQLite: every run completes once; only steps a kill cut short run again", async () => {
    await scenario("sqlite", await crashTarget("crash"));
  }, 300_000);

  it.skipIf(skipPostgres)(
    "PostgreSQL: every run completes once; only steps a kill cut short run again",
    async () => {
      await scenario("postgres", await crashTarget("crash", SHARED_POSTGRES));
    },
    300_000,
  );
});
