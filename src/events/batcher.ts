/**
 * Gathers calls made in the same tick into one batch (one SQL statement for many events): the
 * group commit that lets inbox writes keep up with thousands of events a second.
 */
export class Batcher<I, R> {
  private queue: { item: I; resolve: (r: R) => void; reject: (e: unknown) => void }[] = [];
  private scheduled = false;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<readonly R[]>,
    private readonly maxBatch = 500,
  ) {}

  /** Adds an item; resolves with its result once its batch ran. */
  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.run(batch.map((b) => b.item)).then(
      (results) => {
        batch.forEach((b, i) => {
          b.resolve(results[i] as R);
        });
      },
      (error: unknown) => {
        for (const b of batch) b.reject(error);
      },
    );
  }
}
