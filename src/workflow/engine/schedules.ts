/**
 * Cron schedules kept in the store. Each fire time starts one run, whose id is
 * `<workflow>@<fire time>`: the id is the idempotency key, so two workers that both see a fire
 * due start one run between them, and a worker that dies between starting the run and advancing
 * the schedule leaves nothing to double. After downtime, a schedule fires once for the latest
 * missed time, then goes on from now (it does not replay every missed fire).
 */
import { Cron } from "croner";
import { invalidArgument, type Logger } from "../../core/index.js";
import { type Store, sql } from "../../store/index.js";
import type { AnyWorkflow } from "../authoring/types.js";

/** Next fire time after `after` (epoch ms), or undefined when the pattern never fires again. */
function nextFire(cron: Cron, after: number): number | undefined {
  return cron.nextRun(new Date(after))?.getTime();
}

/** The schedules of one engine. */
export class Scheduler {
  private readonly crons = new Map<string, { workflow: AnyWorkflow; cron: Cron }>();

  constructor(
    private readonly store: Store,
    workflows: readonly AnyWorkflow[],
    private readonly start: (workflow: AnyWorkflow, input: unknown, id: string) => Promise<unknown>,
    private readonly logger: Logger,
  ) {
    for (const workflow of workflows) {
      const schedule = workflow.schedule;
      if (schedule === undefined) continue;
      try {
        const cron = new Cron(schedule.cron, {
          paused: true,
          timezone: schedule.timezone ?? "UTC",
        });
        this.crons.set(workflow.name, { workflow, cron });
      } catch (e) {
        throw invalidArgument(
          "INVALID_SCHEDULE",
          `workflow ${workflow.name}: schedule "${schedule.cron}" is not a valid cron pattern (${(e as Error).message})`,
          {
            issues: [{ path: ["schedule", "cron"], message: "not a valid cron pattern" }],
          },
        );
      }
    }
  }

  /** True when some workflow has a schedule. */
  get active(): boolean {
    return this.crons.size > 0;
  }

  /** Records each schedule (or its changed pattern) with its next fire time. */
  async init(now: number): Promise<void> {
    for (const [name, { workflow, cron }] of this.crons) {
      const next = nextFire(cron, now);
      if (next === undefined) continue;
      const pattern = workflow.schedule?.cron ?? "";
      await this.store.execute(sql`
        insert into weft_schedules (name, cron, next_fire_at) values (${name}, ${pattern}, ${next})
        on conflict (name) do update set cron = ${pattern},
          next_fire_at = case when weft_schedules.cron = ${pattern} then weft_schedules.next_fire_at else ${next} end`);
    }
  }

  /** Starts the runs of every schedule that is due, then moves each schedule on. */
  async fireDue(now: number): Promise<void> {
    if (!this.active) return;
    const due = await this.store.query<{ name: string; next_fire_at: number }>(
      sql`select name, next_fire_at from weft_schedules where next_fire_at <= ${now}`,
    );
    for (const row of due) {
      const entry = this.crons.get(row.name);
      if (entry === undefined) continue;
      const at = new Date(row.next_fire_at).toISOString();
      await this.start(entry.workflow, entry.workflow.schedule?.input ?? {}, `${row.name}@${at}`);
      const next = nextFire(entry.cron, Math.max(now, row.next_fire_at));
      await this.store.execute(sql`
        update weft_schedules set next_fire_at = ${next ?? Number.MAX_SAFE_INTEGER}, last_fired_at = ${row.next_fire_at}
        where name = ${row.name} and next_fire_at = ${row.next_fire_at}`);
      this.logger.debug({ schedule: row.name, at }, "schedule fired");
    }
  }

  /** The earliest next fire time. */
  async next(): Promise<number | undefined> {
    if (!this.active) return undefined;
    const rows = await this.store.query<{ at: number | null }>(
      sql`select min(next_fire_at) as at from weft_schedules`,
    );
    return rows[0]?.at ?? undefined;
  }
}
