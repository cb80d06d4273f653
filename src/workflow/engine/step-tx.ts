/**
 * The handle a workflow step's `ctx.tx` hands over: the app's transaction handle, whose
 * `tx.publish` derives each event's id from the run, the step, the step's transaction and the
 * event's place in it. A step run again either finds that transaction recorded (and skips it) or
 * runs it again after it rolled back: either way no event is recorded twice.
 */
import type { TxHandle } from "../../store/tx-handle.js";
import { stepTxEventId } from "./ids.js";

/** Wraps `tx` (and the handles of its savepoints) so events published through it get step ids. */
export function stepTxHandle(tx: TxHandle, runId: string, seq: number, index: number): TxHandle {
  let published = 0;
  const wrap = (handle: TxHandle): TxHandle => ({
    ...handle,
    publish: (topic, event, options) =>
      handle.publish(topic, event, {
        ...options,
        id: options?.id ?? stepTxEventId(runId, seq, index, published++),
      }),
    transaction: (fn) => handle.transaction((inner) => fn(wrap(inner))),
  });
  return wrap(tx);
}
