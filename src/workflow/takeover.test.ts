/**
 * Two worker processes on one PostgreSQL schema: they share the runs, a run is never executed by
 * both at once, and when one is killed with SIGKILL mid-load the other finishes its runs once
 * their lease expired — within the lease time plus a margin — without re-running a recorded step.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { unreachable } from "../testing/services.js";
import { workflows } from "./client.js";
import { FINAL_STATUSES } from "./engine/schema.js";
import {
  checkJournal,
  clientApp,
  crashTarget,
  SHARED_POSTGRES,
  startRuns,
  workerOptions,
} from "./fixtures/crash-support.js";
import { checkExecutions } from "./fixtures/execution-checks.js";
import { ExecutionLog } from "./fixtures/execution-log.js";
import { killWorkers, spawnWorker } from "./fixtures/worker-process.js";

const skipPostgres = await unreachable("postgres");

const RUNS = 100;
const LEASE_MS = 1000;
/** Allowed on top of the lease for the survivor to notice, claim and finish a run. */
const MARGIN_MS = 5000;

describe.skipIf(skipPostgres)("two workers on one PostgreSQL schema", () => {
  it("share the runs, never hold one run together, and take over a killed worker's runs within the lease", async () => {
    const target = await crashTarget("takeover", SHARED_POSTGRES);
    const log = new ExecutionLog(target.log);
    const client = await clientApp(target);
    let arriving: Promise<void> = Promise.resolve();
    try {
      const options = workerOptions(target, {
        leaseMs: LEASE_MS,
        maxConcurrent: 32,
        stepMs: 60,
        gapMs: 20,
      });
      const victim = spawnWorker(options);
      const survivor = spawnWorker(options);
      await Promise.all([victim.go(), survivor.go()]);
      // Runs arrive one by one, so both workers' polls find some.
      const ids: string[] = [];
      arriving = (async () => {
        for (let n = 0; n < RUNS; n++) {
          ids.push(...(await startRuns(client, "run", n, 1)));
          await sleep(25);
        }
      })();
      // Mid-load: both workers busy, a third of the runs done, the victim inside a step.
      await log.waitFor((e) => e.pid === survivor.pid && e.event === "B", 0, 30_000, "survivor");
      while (log.finishedRuns().size < RUNS / 3) {
        await log.waitFor((e) => e.event === "F", log.events.length, 30_000, "a finished run");
      }
      await log.waitFor(
        (e) => e.pid === victim.pid && e.event === "B",
        log.events.length,
        30_000,
        "the victim inside a step",
      );
      const killedAt = Date.now();
      await victim.kill("SIGKILL");
      log.read();
      const unfinished = new Set(
        (await workflows(client).list({ limit: 1000 }))
          .filter((r) => !FINAL_STATUSES.has(r.status))
          .map((r) => r.id),
      );
      const orphans = [
        ...new Set(log.events.filter((e) => e.pid === victim.pid).map((e) => e.run)),
      ].filter((run) => unfinished.has(run));
      await arriving;
      const journal = await survivor.guard(checkJournal(client, ids));
      await survivor.kill("SIGTERM");
      log.read();
      const report = checkExecutions(log.events, {
        killed: new Map([[victim.pid, killedAt]]),
        recordedAt: journal.recordedAt,
      });
      const takeover = await Promise.all(
        orphans.map(async (id) => {
          const run = await workflows(client).get(id);
          const last = log.events.filter((e) => e.run === id).at(-1);
          return {
            id,
            ms: (run.completedAt ?? Number.POSITIVE_INFINITY) - killedAt,
            by: last?.pid,
          };
        }),
      );
      const slowest = Math.max(...takeover.map((t) => t.ms));
      console.log(
        `takeover test (postgres): ${ids.length} runs; runs executed by the victim ${report.runsByPid.get(victim.pid) ?? 0}, ` +
          `by the survivor ${report.runsByPid.get(survivor.pid) ?? 0}; ${orphans.length} runs held by the victim when killed, ` +
          `all finished by the survivor ${slowest} ms after the kill (lease ${LEASE_MS} ms); ` +
          `${report.executions} step executions, ${report.reExecutions} re-executions ` +
          `(${report.interruptedByKill} after the kill inside the step)`,
      );
      expect(journal.problems).toEqual([]);
      expect(report.problems).toEqual([]);
      expect(report.runsByPid.get(victim.pid) ?? 0).toBeGreaterThan(0);
      expect(report.runsByPid.get(survivor.pid) ?? 0).toBeGreaterThan(0);
      expect(orphans.length).toBeGreaterThan(0);
      expect(takeover.filter((t) => t.by !== survivor.pid)).toEqual([]);
      expect(slowest).toBeLessThanOrEqual(LEASE_MS + MARGIN_MS);
      expect(report.reExecutions).toBe(report.interruptedByKill);
    } finally {
      await arriving.catch(() => {});
      await killWorkers();
      await client.stop();
      await target.cleanup();
    }
  }, 120_000);
});
