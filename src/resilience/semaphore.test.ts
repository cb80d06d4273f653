import { describe, expect, it } from "vitest";
import { createSemaphore } from "./semaphore.js";

describe("createSemaphore", () => {
  it("hands out free permits at once and refuses past the limit", () => {
    const s = createSemaphore(2);
    expect([s.tryAcquire(), s.tryAcquire(), s.tryAcquire()]).toEqual([true, true, false]);
    expect(s.held).toBe(2);
    s.release();
    expect(s.held).toBe(1);
    expect(s.tryAcquire()).toBe(true);
  });

  it("passes a released permit to the oldest waiter, in arrival order", async () => {
    const s = createSemaphore(1);
    expect(s.tryAcquire()).toBe(true);
    const order: string[] = [];
    const a = s.acquire().then(() => order.push("a"));
    const b = s.acquire().then(() => order.push("b"));
    expect(s.waiting).toBe(2);
    s.release();
    await a;
    // The permit went straight to `a`: still held, and a newcomer cannot jump the queue.
    expect(s.held).toBe(1);
    expect(s.tryAcquire()).toBe(false);
    s.release();
    await b;
    expect(order).toEqual(["a", "b"]);
    s.release();
    expect(s.held).toBe(0);
    expect(s.waiting).toBe(0);
  });

  it("takes a free permit through acquire without waiting", async () => {
    const s = createSemaphore(1);
    await s.acquire();
    expect(s.held).toBe(1);
  });

  it("drops a waiter whose signal aborts, rejecting with its reason; it never holds a permit", async () => {
    const s = createSemaphore(1);
    s.tryAcquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    expect(s.waiting).toBe(0);
    s.release();
    expect(s.held).toBe(0);
  });

  it("rejects at once when the signal aborted already", async () => {
    const s = createSemaphore(1);
    const controller = new AbortController();
    controller.abort(new Error("late"));
    await expect(s.acquire(controller.signal)).rejects.toThrow("late");
    expect(s.held).toBe(0);
  });

  it("rejects every waiter on rejectWaiting, leaving the holders alone", async () => {
    const s = createSemaphore(1);
    s.tryAcquire();
    const waiters = [s.acquire(), s.acquire()];
    s.rejectWaiting(new Error("stopped"));
    for (const w of waiters) await expect(w).rejects.toThrow("stopped");
    expect(s.waiting).toBe(0);
    expect(s.held).toBe(1);
  });

  it("never holds more than its permits however acquires and releases interleave", async () => {
    const s = createSemaphore(3);
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        if (!s.tryAcquire()) await s.acquire();
        inside += 1;
        most = Math.max(most, inside);
        for (let k = 0; k < i % 4; k++) await Promise.resolve();
        inside -= 1;
        s.release();
      }),
    );
    expect(most).toBe(3);
    expect(s.held).toBe(0);
  });
});
