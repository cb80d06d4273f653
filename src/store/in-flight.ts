/** Counts running operations so `close()` can wait for them to finish. */
export class InFlight {
  private count = 0;
  private waiters: (() => void)[] = [];

  /** Runs `op`, counted until it settles. */
  async track<T>(op: () => Promise<T>): Promise<T> {
    this.count += 1;
    try {
      return await op();
    } finally {
      this.count -= 1;
      if (this.count === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Resolves once nothing is running. */
  idle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
