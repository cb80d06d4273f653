/**
 * Cancellation, deadlines and the failures of nested calls behave the same in every placement:
 * one process, serialized, and split over NATS (one process per group). A cancelled call stops
 * its handler wherever it runs; no callee grants more than `maxCallTimeout`; a deadline already
 * gone is not served; a handler that lets a nested call's failure through does not tell its
 * caller which service it called.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { describePlacements } from "../../testing/placement-suite.js";
import { availablePlacements } from "../../testing/placements.js";
import { createSlowApp, front, slow } from "./fixtures/slow-app.js";
import { failure, waitFor } from "./fixtures/support.js";

const MAX_CALL_TIMEOUT_MS = 60_000;

describePlacements(
  "calls",
  {
    definition: () => createSlowApp(),
    module: new URL("./fixtures/slow-app.ts", import.meta.url),
    placements: await availablePlacements(),
    appOptions: { config: { maxCallTimeout: MAX_CALL_TIMEOUT_MS } },
    env: { WEFT_MAX_CALL_TIMEOUT: String(MAX_CALL_TIMEOUT_MS) },
  },
  (h) => {
    const stateOf = async (id: string) => (await h().client(slow).outcome({ id })).state;

    it("aborts the handler's signal when its caller cancels, wherever the handler runs", async () => {
      const id = randomUUID();
      const controller = new AbortController();
      const call = failure(h().client(slow).work({ id, ms: 3000 }, { signal: controller.signal }));
      await waitFor(async () => (await stateOf(id)) === "running", "the handler runs", 10_000);
      controller.abort();
      expect(await call).toMatchObject({ code: "CANCELLED", mayHaveRun: true });
      // The handler either stopped early (aborted) or ran its 3 s to the end (completed).
      await waitFor(async () => (await stateOf(id)) !== "running", "the handler ends", 10_000);
      expect(await stateOf(id)).toBe("aborted");
    });

    it("gives no call a longer deadline than maxCallTimeout", async () => {
      const { remainingMs } = await h().client(slow).remaining({}, { timeout: "100000h" });
      expect(remainingMs).toBeGreaterThan(0);
      expect(remainingMs).toBeLessThanOrEqual(MAX_CALL_TIMEOUT_MS);
    });

    it("does not run a call whose deadline is already gone", async () => {
      const id = randomUUID();
      const e = await failure(h().client(slow).work({ id, ms: 0 }, { timeout: 0 }));
      expect(e).toMatchObject({ code: "DEADLINE_EXCEEDED", mayHaveRun: false });
      expect(await stateOf(id)).toBe("unknown");
    });

    it("tells the caller code and reason of a nested call's failure, not whom it called", async () => {
      const id = randomUUID();
      const e = await failure(h().client(front).relay({ id, ms: 3000, timeoutMs: 300 }));
      expect(e).toMatchObject({ code: "DEADLINE_EXCEEDED", reason: "DEADLINE_EXCEEDED" });
      expect(e.message).toContain("front.relay");
      expect(e.message).not.toContain("slow");
      expect(e.metadata).toEqual({});
    });
  },
);
