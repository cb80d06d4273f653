/**
 * Statistics for the query planner while the events' tables first grow. PostgreSQL plans from
 * statistics that autovacuum refreshes at most once a minute, and a table a few minutes old has
 * none worth the name: the planner then takes the inbox for a handful of rows and checks a batch
 * of event ids by scanning every record of the consumer (measured: 6–9 ms a check, most of the
 * database's time in bench/events.ts, and a third of the throughput). So each process analyzes the
 * events' tables itself after handling 1,000, 10,000 and 100,000 events, then leaves it to
 * autovacuum. SQLite needs none of this.
 */
import type { Logger } from "../core/index.js";
import type { EventStore } from "./event-store.js";

/** After how many events (relayed or delivered here) the tables are analyzed. */
const AFTER = [1_000, 10_000, 100_000];

/** Returns a counter to call with the number of events seen; it analyzes at each step. */
export function statisticsCatchUp(events: EventStore, logger: Logger): (count: number) => void {
  if (events.store.dialect !== "postgres") return () => {};
  let seen = 0;
  let step = 0;
  let running = false;
  const analyze = () => {
    running = true;
    events
      .analyze()
      .catch((err: unknown) => logger.warn({ err }, "analyzing the events' tables failed"))
      .finally(() => {
        running = false;
      });
  };
  return (count) => {
    seen += count;
    const next = AFTER[step];
    if (next === undefined || seen < next || running) return;
    step++;
    analyze();
  };
}
