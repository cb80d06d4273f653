/**
 * Deadlines of in-flight calls, timed by one coarse timer per app instead of a `setTimeout` per
 * call (measured: a timer per call cost about as much as the rest of an in-process call). Entries
 * sit in buckets of `TICK_MS` (intrusive lists: no allocation per call); the timer runs only while
 * entries exist. A deadline fires at most one tick late and never early.
 */
import { IntrusiveList, type Linked } from "./intrusive-list.js";

/** Bucket width in milliseconds. */
export const TICK_MS = 10;

/** Something with a deadline that must be told when it passes. */
export interface DeadlineEntry extends Linked {
  readonly deadline: number;
  expire(): void;
}

/** One timer for many deadlines. */
export class DeadlineWheel {
  private readonly buckets = new Map<number, IntrusiveList<DeadlineEntry>>();
  private lastIndex = Number.NaN;
  private lastBucket: IntrusiveList<DeadlineEntry> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private count = 0;

  /** Starts timing an entry. Entries whose deadline is infinite are not timed. */
  add(entry: DeadlineEntry): void {
    if (!Number.isFinite(entry.deadline)) return;
    const index = Math.ceil(entry.deadline / TICK_MS);
    let bucket = index === this.lastIndex ? this.lastBucket : this.buckets.get(index);
    if (bucket === undefined) {
      bucket = new IntrusiveList();
      this.buckets.set(index, bucket);
    }
    this.lastIndex = index;
    this.lastBucket = bucket;
    bucket.add(entry);
    this.count += 1;
    if (this.timer === undefined) {
      this.next = Math.floor(Date.now() / TICK_MS);
      this.timer = setInterval(() => this.tick(), TICK_MS);
    }
  }

  /** Stops timing an entry (its call finished). */
  remove(entry: DeadlineEntry): void {
    if (entry.list?.remove(entry)) this.count -= 1;
  }

  private tick(): void {
    const now = Math.floor(Date.now() / TICK_MS);
    for (; this.next <= now; this.next++) {
      const bucket = this.buckets.get(this.next);
      if (bucket === undefined) continue;
      this.buckets.delete(this.next);
      if (this.lastBucket === bucket) {
        this.lastBucket = undefined;
        this.lastIndex = Number.NaN;
      }
      for (const entry of bucket) {
        bucket.remove(entry);
        this.count -= 1;
        entry.expire();
      }
    }
    if (this.count === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Entries being timed. */
  get size(): number {
    return this.count;
  }
}
