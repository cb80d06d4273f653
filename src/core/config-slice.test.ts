/**
 * Config slices: a subsystem's variables are read with core's (every source, `*_FILE`, precedence,
 * secrets, all problems at once), resolve to a typed value read with `config.get(slice)`, and are
 * known to an app only when an extension registers them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { uniqueName } from "../testing/unique-name.js";
import { type App, createApp, defineApp } from "./app.js";
import { ConfigError, describeVariables, knownVariables, resolveConfig } from "./config.js";
import { defineConfigSlice, invalid } from "./config-slice.js";
import { port, text } from "./config-values.js";
import { defineService, method } from "./contract.js";
import { isWeftError, type WeftError } from "./errors.js";

const SECRET = "amqp://guest:very-secret-password@queue";

/** A subsystem's slice, as a store or a broker would define it. */
const QUEUE = defineConfigSlice({
  name: "queue",
  variables: {
    queueUrl: {
      env: "WEFT_QUEUE_URL",
      secret: true,
      help: "amqp://… URL",
      parse: (v: unknown) =>
        typeof v === "string" && v.startsWith("amqp://") ? v : invalid("must be an amqp:// URL"),
    },
    queueHost: { env: "WEFT_QUEUE_HOST", help: "listen address", parse: text },
    queuePort: { env: "WEFT_QUEUE_PORT", help: "port", parse: port },
    queueKey: { env: "WEFT_QUEUE_KEY", secret: true, help: "key", parse: text },
  },
  resolve: (v, context) => {
    if (v.queueHost !== undefined && v.queueKey === undefined) {
      context.report("queueKey", `required when the queue listens on ${v.queueHost}`);
    }
    return { url: v.queueUrl, port: v.queuePort ?? 5672, key: v.queueKey };
  },
});

const dir = mkdtempSync(join(tmpdir(), "weft-config-slice-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function failure(run: () => unknown): WeftError {
  try {
    run();
  } catch (e) {
    expect(isWeftError(e)).toBe(true);
    return e as WeftError;
  }
  throw new Error("expected a failure");
}

describe("a slice's variables", () => {
  it("resolve to a typed value, with the slice's defaults", () => {
    const c = resolveConfig({ slices: [QUEUE] });
    expectTypeOf(c.get(QUEUE)).toEqualTypeOf<{
      url: string | undefined;
      port: number;
      key: string | undefined;
    }>();
    expect(c.get(QUEUE)).toEqual({ url: undefined, port: 5672, key: undefined });
  });

  it("are read from every source, in core's precedence, and from *_FILE", () => {
    const file = join(dir, "queue-url");
    writeFileSync(file, `${SECRET}\n`);
    const c = resolveConfig({
      slices: [QUEUE],
      definition: { queuePort: 1 } as never,
      env: { WEFT_QUEUE_PORT: "2", WEFT_QUEUE_URL_FILE: file },
      overrides: { queuePort: "3" } as never,
    });
    expect(c.get(QUEUE)).toMatchObject({ url: SECRET, port: 3 });
    const fromEnv = resolveConfig({
      slices: [QUEUE],
      definition: { queuePort: 1 } as never,
      env: { WEFT_QUEUE_PORT: "2" },
    });
    expect(fromEnv.get(QUEUE).port).toBe(2);
  });

  it("are unknown to core alone: a variable no registered slice reads is reported", () => {
    const e = failure(() => resolveConfig({ env: { WEFT_QUEUE_URL: SECRET } }));
    expect(e).toBeInstanceOf(ConfigError);
    expect(e.issues).toEqual([{ path: ["WEFT_QUEUE_URL"], message: "unknown variable" }]);
    const key = failure(() => resolveConfig({ overrides: { queuePort: 1 } as never }));
    expect(key.issues[0]?.path).toEqual(["options.queuePort"]);
  });

  it("suggest the nearest name across core and every slice", () => {
    const e = failure(() => resolveConfig({ slices: [QUEUE], env: { WEFT_QUEUE_PROT: "1" } }));
    expect(e.issues[0]?.message).toBe("unknown variable (did you mean WEFT_QUEUE_PORT?)");
  });

  it("report their problems with core's, all at once, never echoing a secret", () => {
    const e = failure(() =>
      resolveConfig({
        slices: [QUEUE],
        env: {
          WEFT_CALL_TIMEOUT: "soon",
          WEFT_QUEUE_URL: `http://${SECRET}`,
          WEFT_QUEUE_PORT: "99999",
          WEFT_QUEUE_HOST: "0.0.0.0",
        },
      }),
    );
    expect(e.issues.map((i) => i.path[0]).sort()).toEqual(
      ["WEFT_CALL_TIMEOUT", "WEFT_QUEUE_KEY", "WEFT_QUEUE_PORT", "WEFT_QUEUE_URL"].sort(),
    );
    expect(e.issues.find((i) => i.path[0] === "WEFT_QUEUE_KEY")?.message).toBe(
      "required when the queue listens on 0.0.0.0",
    );
    expect(e.issues.find((i) => i.path[0] === "WEFT_QUEUE_PORT")?.message).toContain("99999");
    expect(e.message).not.toContain(SECRET);
    expect(JSON.stringify(e.issues)).not.toContain(SECRET);
  });

  it("are listed after core's by describeVariables and knownVariables", () => {
    const all = describeVariables([QUEUE]);
    expect(all[0]).toMatchObject({ name: "WEFT_APP", slice: "core" });
    expect(all.filter((v) => v.slice === "queue")).toEqual([
      {
        name: "WEFT_QUEUE_URL",
        key: "queueUrl",
        help: "amqp://… URL",
        secret: true,
        slice: "queue",
      },
      {
        name: "WEFT_QUEUE_HOST",
        key: "queueHost",
        help: "listen address",
        secret: false,
        slice: "queue",
      },
      { name: "WEFT_QUEUE_PORT", key: "queuePort", help: "port", secret: false, slice: "queue" },
      { name: "WEFT_QUEUE_KEY", key: "queueKey", help: "key", secret: true, slice: "queue" },
    ]);
    expect(knownVariables([QUEUE])).toContain("WEFT_QUEUE_KEY");
    expect(knownVariables()).not.toContain("WEFT_QUEUE_KEY");
  });
});

describe("registering slices", () => {
  it("get() of a slice that was not registered fails, naming it", () => {
    const e = failure(() => resolveConfig().get(QUEUE));
    expect(e.code).toBe("FAILED_PRECONDITION");
    expect(e.reason).toBe("CONFIG_SLICE_NOT_REGISTERED");
    expect(e.message).toContain("queue");
  });

  it("the same slice twice is read once; two slices may not claim one variable", () => {
    expect(resolveConfig({ slices: [QUEUE, QUEUE] }).get(QUEUE).port).toBe(5672);
    const copy = defineConfigSlice({
      name: "other",
      variables: { otherPort: { env: "WEFT_QUEUE_PORT", help: "", parse: port } },
      resolve: (v) => v.otherPort,
    });
    const e = failure(() => resolveConfig({ slices: [QUEUE, copy] }));
    expect(e.reason).toBe("CONFIG_SLICE_CONFLICT");
    expect(e.message).toContain("WEFT_QUEUE_PORT");
    const core = defineConfigSlice({
      name: "mine",
      variables: { app: { env: "WEFT_MY_APP", help: "", parse: text } },
      resolve: (v) => v.app,
    });
    expect(failure(() => resolveConfig({ slices: [core] })).message).toContain("slice core");
  });
});

describe("an app's slices come from its extensions", () => {
  const apps: App[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.stop({ grace: 0 })));
  });
  const ping = defineService("ping", { run: method({ input: z.unknown(), output: z.unknown() }) });
  const pong = defineService("pong", { run: method({ input: z.unknown(), output: z.unknown() }) });

  it("an app extension's slice is read and given to the app", async () => {
    let seen: unknown;
    const app = createApp(
      defineApp({ name: uniqueName("slices"), services: [ping.implement({ run: async () => 1 })] }),
      {
        env: { WEFT_QUEUE_PORT: "7000" },
        extensions: [
          {
            name: "queue",
            configSlices: [QUEUE],
            async start(a) {
              seen = a.config.get(QUEUE).port;
            },
          },
        ],
      },
    );
    apps.push(app);
    await app.start();
    expect(seen).toBe(7000);
  });

  it("a service extension's slice is known even in a process that does not run the service", () => {
    const definition = defineApp({
      name: uniqueName("slices"),
      services: [
        ping.implement({ run: async () => 1 }),
        pong.implement(
          { run: async () => 2 },
          { extensions: [{ name: "q", configSlices: [QUEUE] }] },
        ),
      ],
      groups: { a: ["ping"], b: ["pong"] },
    });
    const transport = { name: "fake" } as never;
    const app = createApp(definition, {
      group: "a",
      env: { WEFT_QUEUE_PORT: "7001" },
      transport,
    });
    expect(app.config.get(QUEUE).port).toBe(7001);
    const bare = failure(() =>
      createApp(
        defineApp({
          name: uniqueName("slices"),
          services: [ping.implement({ run: async () => 1 })],
        }),
        { env: { WEFT_QUEUE_PORT: "7001" } },
      ),
    );
    expect(bare.issues).toEqual([{ path: ["WEFT_QUEUE_PORT"], message: "unknown variable" }]);
  });
});
