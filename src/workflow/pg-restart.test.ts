/**
 * Reliability scenario 4: PostgreSQL fails under a worker process executing runs — the server
 * restarts (every connection dropped, the server down for a moment), or every connection is
 * dropped (`pg_terminate_backend`) while more runs keep arriving. The engine backs off and
 * resumes: every run completes with the right output, no step runs again once its result was
 * recorded, and runs whose execution a failure cut short are resumed while the worker stays busy.
 * The server is a private one — the shared server is never restarted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../core/index.js";
import { sql } from "../store/index.js";
import { createPostgresStore } from "../store/postgres/index.js";
import {
  findPostgresBin,
  type PrivatePostgres,
  startPrivatePostgres,
} from "../testing/private-postgres.js";
import {
  type CrashTarget,
  checkJournal,
  clientApp,
  crashTarget,
  startRuns,
  workerOptions,
} from "./fixtures/crash-support.js";
import { checkExecutions } from "./fixtures/execution-checks.js";
import { ExecutionLog } from "./fixtures/execution-log.js";
import { killWorkers, spawnWorker, type Worker } from "./fixtures/worker-process.js";

const noServerBinaries = findPostgresBin() === undefined;
if (noServerBinaries && process.env.WEFT_REQUIRE_SERVICES === "1") {
  throw new Error(
    "PostgreSQL server binaries are missing, and WEFT_REQUIRE_SERVICES=1 requires them",
  );
}
if (noServerBinaries)
  console.warn("skipping: PostgreSQL server binaries (initdb, pg_ctl) not found");

/** Drops every client connection of the server but its own (the test's client's included). */
async function connectionDropper(url: string) {
  const admin = await createPostgresStore({ url, schema: "public", poolSize: 1 });
  const kill = sql`
    select pg_terminate_backend(pid) from pg_stat_activity
    where backend_type = 'client backend' and pid <> pg_backend_pid()`;
  return { drop: () => admin.query(kill).then(() => {}), close: () => admin.close() };
}

/**
 * Strikes `times` times, each once a share of the runs finished and the moment a step's code
 * returns (its result is about to be recorded).
 */
async function strikeMidFlight(
  log: ExecutionLog,
  runs: () => number,
  times: number,
  fault: () => Promise<void>,
) {
  for (let i = 1; i <= times; i++) {
    while (log.finishedRuns().size < (i * runs()) / (times + 2)) {
      await log.waitFor((e) => e.event === "F", log.events.length, 60_000, "a finished run");
    }
    await log.waitFor((e) => e.event === "E", log.events.length, 60_000, "a step");
    await fault();
  }
}

/** Waits for every run, checks the journal and the execution log, prints the counts. */
async function verify(
  what: string,
  target: CrashTarget,
  client: App,
  log: ExecutionLog,
  ids: string[],
  worker: Worker,
) {
  const journal = await worker.guard(checkJournal(client, ids));
  await killWorkers();
  log.read();
  const report = checkExecutions(log.events, {
    killed: new Map(),
    recordedAt: journal.recordedAt,
    allowUnkilledRetries: true,
  });
  console.log(
    `PostgreSQL fault test (${what}, ${target.app}): ${ids.length} runs; ` +
      `${report.executions} step executions, ${report.reExecutions} re-executions ` +
      `(of steps whose result could not be recorded during a fault)`,
  );
  expect(journal.problems).toEqual([]);
  expect(report.problems).toEqual([]);
  expect(report.reExecutions).toBe(report.interruptedOther);
}

describe.skipIf(noServerBinaries)("PostgreSQL failing while runs are in flight", () => {
  let server: PrivatePostgres | undefined;
  beforeAll(async () => {
    server = await startPrivatePostgres();
  }, 120_000);
  afterAll(async () => {
    await killWorkers();
    await server?.close();
  });

  it("restarted twice: the engine backs off and resumes; every run completes once", async () => {
    const pg = server as PrivatePostgres;
    const target = await crashTarget("pgrestart", pg.url);
    const log = new ExecutionLog(target.log);
    const client = await clientApp(target);
    try {
      const ids = await startRuns(client, "run", 0, 120);
      const worker = spawnWorker(workerOptions(target, { maxConcurrent: 12, gapMs: 20 }));
      await worker.go();
      await worker.guard(
        strikeMidFlight(
          log,
          () => ids.length,
          2,
          () => pg.restart(),
        ),
      );
      await verify("server restarted twice", target, client, log, ids, worker);
    } finally {
      await killWorkers();
      await client.stop();
      await target.cleanup();
    }
  }, 180_000);

  it("connections dropped under steady load: runs cut short resume while the worker stays busy", async () => {
    const pg = server as PrivatePostgres;
    const target = await crashTarget("pgdrop", pg.url);
    const log = new ExecutionLog(target.log);
    const client = await clientApp(target);
    const dropper = await connectionDropper(pg.url);
    const ids: string[] = [];
    // Keeps three batches of runs waiting, so the worker never runs out of work.
    const topUp = async () => {
      while (ids.length - log.finishedRuns().size < 36) {
        ids.push(...(await startRuns(client, "run", ids.length, 12)));
      }
    };
    try {
      await topUp();
      const worker = spawnWorker(workerOptions(target, { maxConcurrent: 12, gapMs: 20 }));
      await worker.go();
      await worker.guard(
        strikeMidFlight(
          log,
          () => 120,
          4,
          async () => {
            await dropper.drop();
            await topUp();
          },
        ),
      );
      // Every run started before the last drop finishes while new runs keep arriving.
      const before = [...ids];
      let arrived = 0;
      while (before.some((id) => !log.finishedRuns().has(id)) && arrived <= 400) {
        const count = ids.length;
        await topUp();
        arrived += ids.length - count;
        await worker.guard(
          log.waitFor((e) => e.event === "F", log.events.length, 60_000, "a finished run"),
        );
      }
      const stuck = before.filter((id) => !log.finishedRuns().has(id));
      console.log(
        `connections dropped: ${arrived} runs arrived after the last drop until the earlier ones finished`,
      );
      expect(stuck).toEqual([]);
      await verify("connections dropped under load", target, client, log, ids, worker);
    } finally {
      await killWorkers();
      await dropper.close();
      await client.stop();
      await target.cleanup();
    }
  }, 180_000);
});
