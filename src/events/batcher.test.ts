/** The batcher behind the inbox reads and writes and the in-process queue's deletes. */
import { describe, expect, it } from "vitest";
import { Batcher } from "./batcher.js";

/** A run function whose batches the test finishes by hand. */
function manualRun() {
  const batches: { items: readonly number[]; finish(error?: Error): void }[] = [];
  const run = (items: readonly number[]) =>
    new Promise<readonly number[]>((resolve, reject) => {
      batches.push({
        items,
        finish: (error) => (error ? reject(error) : resolve(items.map((i) => i * 10))),
      });
    });
  return { batches, run };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Batcher", () => {
  it("runs the calls of one tick as one batch and answers each with its own result", async () => {
    const { batches, run } = manualRun();
    const batcher = new Batcher(run);
    const answers = Promise.all([1, 2, 3].map((i) => batcher.add(i)));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2, 3]]);
    batches[0]?.finish();
    expect(await answers).toEqual([10, 20, 30]);
  });

  it("gathers calls into one larger batch while maxRunning batches are being written", async () => {
    const { batches, run } = manualRun();
    const batcher = new Batcher(run, { maxRunning: 1 });
    const first = batcher.add(1);
    await tick();
    const later = [2, 3, 4].map((i) => batcher.add(i));
    await tick();
    await tick();
    // The store is still busy with the first batch: nothing else was sent.
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    batches[0]?.finish();
    expect(await first).toBe(10);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]?.finish();
    expect(await Promise.all(later)).toEqual([20, 30, 40]);
  });

  it("splits at maxBatch and fails every call of a failed batch, and only those", async () => {
    const { batches, run } = manualRun();
    const batcher = new Batcher(run, { maxBatch: 2 });
    const calls = [1, 2, 3].map((i) => batcher.add(i).then(String, (e: Error) => e.message));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3]]);
    batches[0]?.finish(new Error("store down"));
    batches[1]?.finish();
    expect(await Promise.all(calls)).toEqual(["store down", "store down", "30"]);
  });
});
