import { expect, it } from "vitest";
import { z } from "zod";
import { defineApp, defineService, isWeftError, type Logger, method } from "./core/index.js";
import { createApp } from "./create-app.js";
import { uniqueName } from "./testing/unique-name.js";

const quiet: Logger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child: () => quiet,
};

const anyMethod = { input: z.unknown(), output: z.unknown() };
const near = defineService("near", { run: method(anyMethod) });
const far = defineService("far", { run: method(anyMethod) });

it("refuses a call to another group before the NATS transport started with UNAVAILABLE, not INTERNAL", async () => {
  const app = createApp(
    defineApp({
      name: uniqueName("early"),
      services: [near.implement({ run: async () => 1 }), far.implement({ run: async () => 2 })],
      groups: { one: ["near"], two: ["far"] },
    }),
    {
      // Never connected: the call is refused before the transport starts.
      env: { WEFT_NATS_URL: "nats://127.0.0.1:4222" },
      group: "one",
      logger: quiet,
      resilience: [],
    },
  );
  const seen = await app
    .client(far)
    .run({})
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  expect(isWeftError(seen)).toBe(true);
  expect(seen).toMatchObject({
    code: "UNAVAILABLE",
    reason: "TRANSPORT_NOT_STARTED",
    mayHaveRun: false,
  });
  expect((seen as Error).message).toMatch(/far\.run.*nats transport.*not started/);
  await app.stop();
});
