/**
 * Gathers calls into batches (one SQL statement for many events): the group commit that lets
 * inbox writes keep up with thousands of events a second. Calls made in the same tick form a
 * batch; while `maxRunning` batches are already being written, new calls wait and join the next
 * one, so a busy store gets fewer, larger statements instead of a queue of small ones (an idle
 * one still gets each batch at once).
 */
import { createSemaphore, type Semaphore } from "../resilience/semaphore.js";

/** Options of {@link Batcher}. */
export interface BatcherOptions {
  /** Most items in one batch. Default 500. */
  readonly maxBatch?: number;
  /** Most batches running at once. Default 4. */
  readonly maxRunning?: number;
}

/** Runs added items in batches; each `add` resolves with its item's result. */
export class Batcher<I, R> {
  private queue: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;
  /** One place per batch being written: `maxRunning` of them. */
  private readonly places: Semaphore;
  private readonly maxBatch: number;
  private readonly maxRunning: number;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly R[]>,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxRunning = options.maxRunning ?? 4;
    this.places = createSemaphore(this.maxRunning);
  }

  /** Adds an item; resolves with its result once its batch ran. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch && this.places.held < this.maxRunning) this.flush();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    while (this.queue.length > 0 && this.places.tryAcquire()) {
      const batch = this.queue.splice(0, this.maxBatch);
      let ran: Promise<readonly R[]>;
      try {
        ran = this.run(batch.map((b) => b.item));
      } catch (error) {
        ran = Promise.reject(error);
      }
      ran.then(
        (results) => {
          this.finished();
          batch.forEach((b, i) => {
            b.resolve(results[i] as R);
          });
        },
        (error: unknown) => {
          this.finished();
          for (const b of batch) b.reject(error);
        },
      );
    }
  }

  /** A batch ended: the calls that waited for room go next. */
  private finished(): void {
    this.places.release();
    if (this.queue.length > 0) this.schedule();
  }
}
