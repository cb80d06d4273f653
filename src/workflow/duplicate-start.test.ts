/**
 * Reliability scenario 5 for workflows, with real processes: two workers start the same workflow
 * ids at the same moment. The workflow id is the idempotency key: each id makes one run (one
 * start says `created`), and each of its steps executes once. Starting them again later changes
 * nothing; starting an id with another input is refused.
 */
import { describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import { workflows } from "./client.js";
import {
  type CrashTarget,
  checkJournal,
  clientApp,
  crashTarget,
  SHARED_POSTGRES,
  workerOptions,
} from "./fixtures/crash-support.js";
import { checkExecutions } from "./fixtures/execution-checks.js";
import { ExecutionLog } from "./fixtures/execution-log.js";
import { killWorkers, spawnWorker, type Worker } from "./fixtures/worker-process.js";

const skipPostgres = await unreachable("postgres");

const RUNS = 40;

/** Asks `worker` to start `runs`, four at a time (each four at once). */
async function startInChunks(worker: Worker, runs: { id: string; n: number }[]) {
  const answers: { id: string; created: boolean }[] = [];
  for (let i = 0; i < runs.length; i += 4)
    answers.push(...(await worker.start(runs.slice(i, i + 4))));
  return answers;
}

async function duplicateStarts(store: string, target: CrashTarget) {
  const log = new ExecutionLog(target.log);
  const client = await clientApp(target);
  try {
    const options = workerOptions(target, { maxConcurrent: 64, stepMs: 20, gapMs: 5 });
    const a = spawnWorker(options);
    const b = spawnWorker(options);
    await Promise.all([a.go(), b.go()]);
    const runs = Array.from({ length: RUNS }, (_, n) => ({ id: `dup-${n}`, n }));
    const ids = runs.map((r) => r.id);
    // Opposite orders, a few ids per request, so the two processes race on the ids in the middle.
    const [byA, byB] = await Promise.all([
      startInChunks(a, runs),
      startInChunks(b, [...runs].reverse()),
    ]);
    const creator = new Map<string, number[]>();
    for (const [worker, answers] of [
      [a, byA],
      [b, byB],
    ] as const) {
      for (const r of answers) {
        if (r.created) creator.set(r.id, [...(creator.get(r.id) ?? []), worker.pid]);
      }
    }
    const journal = await a.guard(b.guard(checkJournal(client, ids)));
    const again = await a.start(runs);
    const refused = await b.start([{ id: "dup-0", n: 999 }]).then(
      () => "accepted",
      (error: Error) => error.message,
    );
    const listed = await workflows(client).list({ limit: 1000 });
    await Promise.all([a.kill("SIGTERM"), b.kill("SIGTERM")]);
    log.read();
    const report = checkExecutions(log.events, {
      killed: new Map(),
      recordedAt: journal.recordedAt,
    });
    const starts = log.events.filter((e) => e.event === "S");
    console.log(
      `duplicate starts (${store}): ${RUNS} ids started by two processes at once: ` +
        `${byA.filter((r) => r.created).length} created by one, ${byB.filter((r) => r.created).length} by the other; ` +
        `${listed.length} runs, ${starts.length} executions of workflow functions, ` +
        `${report.executions} step executions`,
    );
    expect(ids.filter((id) => creator.get(id)?.length !== 1)).toEqual([]);
    expect(journal.problems).toEqual([]);
    expect(report.problems).toEqual([]);
    expect(listed.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect(report.executions).toBe(RUNS * 4);
    expect(report.reExecutions).toBe(0);
    // Each run executed once, by the process whose start created it.
    expect(starts.map((s) => `${s.run}@${s.pid}`).sort()).toEqual(
      ids.map((id) => `${id}@${creator.get(id)?.[0]}`).sort(),
    );
    expect(again.filter((r) => r.created)).toEqual([]);
    expect(refused).toMatch(/run dup-0 exists already .*with a different input/);
  } finally {
    await killWorkers();
    await client.stop();
    await target.cleanup();
  }
}

describe("the same workflow ids started at once from two processes", () => {
  it("SQLite: one run per id, each step executed once", async () => {
    await duplicateStarts("sqlite", await crashTarget("dupstart"));
  }, 60_000);

  it.skipIf(skipPostgres)(
    "PostgreSQL: one run per id, each step executed once",
    async () => {
      await duplicateStarts("postgres", await crashTarget("dupstart", SHARED_POSTGRES));
    },
    60_000,
  );
});
