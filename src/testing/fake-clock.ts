/**
 * A fake clock for workflow tests: durable sleeps and signal timeouts are measured on it, so a
 * test skips an hour-long `wf.sleep` with `clock.advance("1h")` — the engine wakes the runs due.
 *
 * @example
 * ```ts
 * const clock = createFakeClock();
 * const app = createApp(def, { workflow: { clock } });
 * // ... start a run that sleeps for a day
 * clock.advance("1d");
 * ```
 */
import { type Duration, toMilliseconds } from "../core/index.js";

/** A clock that moves only when told. */
export interface FakeClock {
  now(): number;
  /** Moves time forward and wakes what is due. */
  advance(by: Duration): void;
  /** Sets the time (it never goes back: a jump back is refused). */
  set(at: number): void;
  onAdvance(listener: () => void): void;
}

/** Makes a fake clock starting at `start` (default: now). */
export function createFakeClock(start = Date.now()): FakeClock {
  let now = start;
  const listeners: (() => void)[] = [];
  const moved = () => {
    for (const listener of listeners) listener();
  };
  return {
    now: () => now,
    advance(by) {
      now += toMilliseconds(by, "by");
      moved();
    },
    set(at) {
      if (at < now) throw new RangeError("a fake clock does not go back");
      now = at;
      moved();
    },
    onAdvance(listener) {
      listeners.push(listener);
    },
  };
}
