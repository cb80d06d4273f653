/** Sagas: compensations in reverse order, a compensation that keeps failing, cancellation. */
import { expect, it } from "vitest";
import { z } from "zod";
import { unavailable } from "../../core/index.js";
import { createFakeClock } from "../../testing/fake-clock.js";
import { defineWorkflow } from "../authoring/index.js";
import { type FixtureOf, untilStatus, wf } from "./harness.js";

const fast = { initial: "1ms", max: "5ms" } as const;

/** A trip: book a flight and a hotel (both undone on failure), then a car that may not be there. */
function tripWorkflow(log: string[], options: { failUndoHotel: () => boolean }) {
  return defineWorkflow(
    "trip",
    { input: z.object({ cars: z.boolean() }), output: z.string() },
    async (wf, { cars }) => {
      const flight = await wf.step(
        "flight",
        async () => {
          log.push("book flight");
          return { ref: "F1" };
        },
        { compensate: async (_ctx, f) => log.push(`undo flight ${f.ref}`) },
      );
      await wf.step(
        "hotel",
        async () => {
          log.push("book hotel");
          return "H1";
        },
        {
          compensate: async (_ctx, h) => {
            if (options.failUndoHotel()) throw unavailable("HOTEL_DOWN", "the hotel is down");
            log.push(`undo hotel ${h}`);
          },
        },
      );
      await wf.step("mail", async () => log.push("mail"));
      await wf.step(
        "car",
        async () => {
          log.push("book car");
          if (!cars) throw unavailable("NO_CARS", "no cars left");
          return "C1";
        },
        { retry: { attempts: 2, ...fast } },
      );
      return flight.ref;
    },
  );
}

export function sagaTests(fx: FixtureOf): void {
  it("runs the compensations of completed steps in reverse order, each recorded: compensated", async () => {
    const log: string[] = [];
    const trip = tripWorkflow(log, { failUndoHotel: () => false });
    const app = await fx().start({ workflows: [trip] });
    const { id } = await wf(app).start(trip, { cars: false });
    const outcome = await wf(app).result(id);
    expect(outcome.status).toBe("compensated");
    expect(outcome.error).toMatchObject({ code: "UNAVAILABLE", reason: "NO_CARS" });
    expect(log).toEqual([
      "book flight",
      "book hotel",
      "mail",
      "book car",
      "book car",
      "undo hotel H1",
      "undo flight F1",
    ]);
    const steps = (await wf(app).get(id)).steps;
    expect(steps.map((s) => [s.kind, s.name, s.ok])).toEqual([
      ["step", "flight", true],
      ["step", "hotel", true],
      ["step", "mail", true],
      ["step", "car", false],
      ["compensation", "compensate:hotel", true],
      ["compensation", "compensate:flight", true],
    ]);
    expect(steps[3]?.attempts).toBe(2);
  });

  it("ends `failed` (not compensated) when nothing was there to undo", async () => {
    const lonely = defineWorkflow("lonely", { input: z.object({}), output: z.null() }, async (wf) =>
      wf.step(
        "only",
        async () => {
          throw unavailable("DOWN", "down");
        },
        { retry: false },
      ),
    );
    const app = await fx().start({ workflows: [lonely] });
    const { id } = await wf(app).start(lonely, {});
    const outcome = await wf(app).result(id);
    expect(outcome).toMatchObject({ status: "failed", error: { reason: "DOWN" } });
    expect((await wf(app).get(id)).steps.map((s) => s.kind)).toEqual(["step"]);
  });

  it("fails with COMPENSATION_FAILED when a compensation keeps failing, and `resume` finishes it", async () => {
    const log: string[] = [];
    let hotelDown = true;
    const trip = tripWorkflow(log, { failUndoHotel: () => hotelDown });
    const app = await fx().start({ workflows: [trip] });
    const { id } = await wf(app).start(trip, { cars: false });
    const outcome = await wf(app).result(id);
    expect(outcome.status).toBe("failed");
    expect(outcome.error).toMatchObject({ code: "INTERNAL", reason: "COMPENSATION_FAILED" });
    const details = await wf(app).get(id);
    expect(details.status).toBe("failed");
    expect(details.error).toMatchObject({
      reason: "COMPENSATION_FAILED",
      metadata: { step: "hotel", cause: "HOTEL_DOWN", original: "NO_CARS" },
    });
    expect(details.error?.message).toContain(id);
    expect(details.steps.at(-1)).toMatchObject({
      kind: "compensation",
      name: "compensate:hotel",
      ok: false,
      attempts: 5,
      error: { reason: "HOTEL_DOWN" },
    });
    expect(log).not.toContain("undo flight F1");

    hotelDown = false;
    await wf(app).resume(id);
    const resumed = await wf(app).result(id);
    expect(resumed).toMatchObject({ status: "compensated", error: { reason: "NO_CARS" } });
    // The forward steps were not run again; each compensation ran once to success.
    expect(log.filter((l) => l.startsWith("book"))).toEqual([
      "book flight",
      "book hotel",
      "book car",
      "book car",
    ]);
    expect(log.filter((l) => l.startsWith("undo"))).toEqual(["undo hotel H1", "undo flight F1"]);
    const steps = (await wf(app).get(id)).steps.filter((s) => s.kind === "compensation");
    expect(steps.map((s) => [s.name, s.ok])).toEqual([
      ["compensate:hotel", true],
      ["compensate:flight", true],
    ]);
  });

  it("refuses to resume a run that did not fail", async () => {
    const quick = defineWorkflow(
      "quick",
      { input: z.object({}), output: z.number() },
      async () => 1,
    );
    const app = await fx().start({ workflows: [quick] });
    const { id } = await wf(app).start(quick, {});
    await wf(app).result(id);
    const error = await wf(app)
      .resume(id)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "FAILED_PRECONDITION", reason: "RUN_NOT_FAILED" });
  });

  it("cancels a sleeping run: it sees CANCELLED, compensations run, status `cancelled`", async () => {
    const clock = createFakeClock();
    const log: string[] = [];
    const hold = defineWorkflow("hold", { input: z.object({}), output: z.string() }, async (wf) => {
      await wf.step("reserve", async () => log.push("reserve"), {
        compensate: async () => log.push("release"),
      });
      try {
        await wf.sleep("wait", "1h");
      } catch (e) {
        log.push(`caught ${(e as { code: string }).code}`);
        throw e;
      }
      await wf.step("after", async () => log.push("after"));
      return "done";
    });
    const app = await fx().start({ workflows: [hold] }, { clock });
    const { id } = await wf(app).start(hold, {});
    await untilStatus(app, id, "sleeping");
    await wf(app).cancel(id);
    const outcome = await wf(app).result(id);
    expect(outcome).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
    expect(log).toEqual(["reserve", "caught CANCELLED", "release"]);
    const steps = (await wf(app).get(id)).steps;
    expect(steps.map((s) => [s.kind, s.name, s.ok])).toEqual([
      ["step", "reserve", true],
      ["sleep", "wait", true],
      ["cancel", "wait", false],
      ["compensation", "compensate:reserve", true],
    ]);
    // Cancelling a finished run is refused, naming its status; time passing does not wake it.
    await expect(wf(app).cancel(id)).rejects.toMatchObject({
      code: "FAILED_PRECONDITION",
      reason: "RUN_FINISHED",
      message: expect.stringContaining("is cancelled"),
    });
    clock.advance("2h");
    await new Promise((r) => setTimeout(r, 300));
    expect((await wf(app).get(id)).status).toBe("cancelled");
    expect(log).not.toContain("after");
  });

  it("cancels a running run at its next step", async () => {
    const log: string[] = [];
    let release = () => {};
    const busy = new Promise<void>((r) => {
      release = r;
    });
    const long = defineWorkflow("long", { input: z.object({}), output: z.string() }, async (wf) => {
      await wf.step("first", async () => {
        log.push("first");
        await busy;
      });
      await wf.step("second", async () => log.push("second"));
      return "done";
    });
    const app = await fx().start({ workflows: [long] }, { leaseMs: 300 });
    const { id } = await wf(app).start(long, {});
    await untilStatus(app, id, "running");
    await wf(app).cancel(id);
    // The heartbeat (every leaseMs / 3) carries the request to the execution.
    await new Promise((r) => setTimeout(r, 250));
    release();
    const outcome = await wf(app).result(id);
    expect(outcome).toMatchObject({ status: "cancelled", error: { code: "CANCELLED" } });
    expect(log).toEqual(["first"]);
  });
}
