/**
 * Cancelling a run cancels its descendants: a parent waiting for a child would otherwise end
 * `cancelled` while the child (and its children) run on. One statement flags the run and every
 * unfinished run below it, and wakes those that sleep, so each sees `CANCELLED` at its next step
 * and runs its compensations.
 */
import { type Store, sql } from "../../store/index.js";

/** Flags `id` and its unfinished descendants (children, grandchildren…) as cancel-requested. */
export async function requestCancel(store: Store, id: string, now: number): Promise<number> {
  const result = await store.execute(sql`
    with recursive tree(id) as (
      select id from weft_runs where id = ${id}
      union all
      select r.id from weft_runs r join tree t on r.parent_id = t.id
    )
    update weft_runs set cancel_requested = 1,
      wake_at = case when status = 'sleeping' then CAST(${now} AS BIGINT) else wake_at end,
      updated_at = ${now}
    where id in (select id from tree)
      and status not in ('completed', 'failed', 'compensated', 'cancelled')`);
  return result.rowCount;
}
