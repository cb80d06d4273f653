/**
 * An answer under an `Idempotency-Key` that does not know the outcome — the deadline passed while
 * the method may still run — is not stored as final: a retry with the key runs the method again,
 * which finds its first run's outcome by the call's `idempotency-id` (the same on every retry),
 * and answers with the real outcome; that answer is then stored and replayed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, type GatewayHarness, startGateway } from "./fixtures/harness.js";
import { items } from "./fixtures/items.js";
import { route } from "./route.js";

describe('gateway idempotency: a "maybe" answer is not final', () => {
  let h: GatewayHarness;
  beforeAll(async () => {
    h = await startGateway({
      gateway: {
        routes: [
          route("POST /settle", items, "settle", { idempotency: "required", timeout: "300ms" }),
        ],
      },
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const settle = (key: string) =>
    call(h.url, "/settle", {
      method: "POST",
      json: { id: "order-1" },
      headers: { "idempotency-key": key },
    });

  it("answers a retry with the real outcome once the work that outlived the deadline is done", async () => {
    const first = await settle("k-maybe");
    expect(first.status).toBe(504);
    expect(first.body).toMatchObject({ code: "DEADLINE_EXCEEDED", mayHaveRun: true });
    // The work goes on past the deadline, then completes.
    h.items.release();
    const retry = await settle("k-maybe");
    expect(retry.status).toBe(200);
    expect(retry.headers.get("idempotency-replayed")).toBeNull();
    expect(retry.body).toMatchObject({
      id: "order-1",
      key: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    // The real outcome is final: replayed from now on, and the work was done once.
    const again = await settle("k-maybe");
    expect(again.headers.get("idempotency-replayed")).toBe("true");
    expect(again.body).toEqual(retry.body);
    expect(h.items.effects).toEqual(["order-1"]);
  });
});
