/**
 * A counting semaphore: at most `permits` holders at once; others wait in arrival order, and a
 * released permit passes straight to the oldest waiter. Taking a free permit is synchronous
 * (`tryAcquire`), so the common path costs no promise.
 *
 * @example
 * ```ts
 * const places = createSemaphore(8);
 * if (!places.tryAcquire()) await places.acquire(signal);
 * try { await work(); } finally { places.release(); }
 * ```
 */

/** A counting semaphore made by {@link createSemaphore}. */
export interface Semaphore {
  /** Permits held now. */
  readonly held: number;
  /** Acquirers waiting for a permit. */
  readonly waiting: number;
  /** Takes a permit if one is free (and nobody waits): true when taken. */
  tryAcquire(): boolean;
  /**
   * Takes a permit, waiting for one if needed. Rejects with the signal's reason when it aborts
   * first (the acquirer leaves the queue and holds nothing).
   */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Gives a permit back: to the oldest waiter if any, else it is free. */
  release(): void;
  /** Rejects every waiter with `reason` (they leave the queue and hold nothing). */
  rejectWaiting(reason: unknown): void;
}

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
}

/** Makes a semaphore with `permits` permits (at least 1). */
export function createSemaphore(permits: number): Semaphore {
  const limit = Math.max(1, permits);
  let held = 0;
  const queue: Waiter[] = [];
  const tryAcquire = (): boolean => {
    if (held >= limit || queue.length > 0) return false;
    held += 1;
    return true;
  };
  return {
    get held() {
      return held;
    },
    get waiting() {
      return queue.length;
    },
    tryAcquire,
    acquire(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      if (tryAcquire()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          resolve: () => {
            signal?.removeEventListener("abort", leave);
            resolve();
          },
          reject: (reason) => {
            signal?.removeEventListener("abort", leave);
            reject(reason);
          },
        };
        // An acquirer nobody waits for any more leaves the queue at once and never holds a permit.
        const leave = () => {
          const i = queue.indexOf(waiter);
          if (i >= 0) queue.splice(i, 1);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", leave, { once: true });
        queue.push(waiter);
      });
    },
    release() {
      const next = queue.shift();
      // The permit passes straight to the next waiter; otherwise it is freed.
      if (next !== undefined) next.resolve();
      else if (held > 0) held -= 1;
    },
    rejectWaiting(reason) {
      for (const waiter of queue.splice(0)) waiter.reject(reason);
    },
  };
}
