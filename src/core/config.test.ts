import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { WEFT_CONFIG_SLICES } from "../config-slices.js";
import { ADMIN_CONFIG } from "../observe/admin/config.js";
import { STORE_CONFIG } from "../store/config.js";
import { NATS_CONFIG } from "../transport/nats/config.js";
import {
  ConfigError,
  type ConfigSources,
  describeVariables,
  knownVariables,
  resolveConfig as resolveCore,
  suggest,
} from "./config.js";

// As `createApp` from `weft` resolves it: core's variables and every built-in slice's.
const resolveConfig = (sources: ConfigSources = {}) =>
  resolveCore({ slices: WEFT_CONFIG_SLICES, ...sources });
const KNOWN_VARIABLES = knownVariables(WEFT_CONFIG_SLICES);

const dir = mkdtempSync(join(tmpdir(), "weft-config-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function configError(sources: ConfigSources): ConfigError {
  try {
    resolveConfig(sources);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected resolveConfig to throw");
}

describe("defaults", () => {
  it("gives documented defaults with no sources", () => {
    const c = resolveConfig();
    expect(c).toMatchObject({
      app: undefined,
      env: "development",
      groups: [],
      logLevel: "info",
      shutdownGraceMs: 25_000,
      callTimeoutMs: 30_000,
      serialize: false,
      maxPayload: 1024 * 1024,
      validateOutput: true,
    });
    expect(c.get(STORE_CONFIG)).toEqual({ databaseUrl: undefined, dataDir: ".data" });
    expect(c.get(NATS_CONFIG).url).toBeUndefined();
  });

  it("follows NODE_ENV: production turns output validation off, test logs at warn", () => {
    const prod = resolveConfig({ env: { NODE_ENV: "production" } });
    expect(prod.env).toBe("production");
    expect(prod.validateOutput).toBe(false);
    const test = resolveConfig({ env: { NODE_ENV: "test" } });
    expect(test.env).toBe("test");
    expect(test.logLevel).toBe("warn");
    expect(test.validateOutput).toBe(true);
  });

  it("an explicit env wins over NODE_ENV", () => {
    const c = resolveConfig({ env: { NODE_ENV: "production", WEFT_ENV: "development" } });
    expect(c.env).toBe("development");
    expect(c.validateOutput).toBe(true);
  });
});

describe("precedence: definition < environment < overrides", () => {
  it("each layer wins over the ones below it", () => {
    const definition = { callTimeout: "1s", shutdownGrace: "1s", logLevel: "debug" } as const;
    const env = { WEFT_CALL_TIMEOUT: "2s", WEFT_SHUTDOWN_GRACE: "2s" };
    const overrides = { callTimeout: "3s" };
    const c = resolveConfig({ definition, env, overrides });
    expect(c.callTimeoutMs).toBe(3000);
    expect(c.shutdownGraceMs).toBe(2000);
    expect(c.logLevel).toBe("debug");
  });

  it("holds for any values of the three layers", () => {
    const layer = fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: undefined });
    fc.assert(
      fc.property(layer, layer, layer, (d, e, o) => {
        const c = resolveConfig({
          definition: d === undefined ? {} : { callTimeout: d },
          env: e === undefined ? {} : { WEFT_CALL_TIMEOUT: `${e}ms` },
          overrides: o === undefined ? {} : { callTimeout: o },
        });
        expect(c.callTimeoutMs).toBe(o ?? e ?? d ?? 30_000);
      }),
    );
  });
});

describe("environment variables", () => {
  it("parses every variable", () => {
    const c = resolveConfig({
      env: {
        WEFT_APP: "shop",
        WEFT_ENV: "test",
        WEFT_GROUP: "edge, orders",
        WEFT_LOG_LEVEL: "error",
        WEFT_SHUTDOWN_GRACE: "10s",
        WEFT_CALL_TIMEOUT: "1m30s",
        WEFT_MAX_CALL_TIMEOUT: "10m",
        WEFT_SERIALIZE: "yes",
        WEFT_MAX_PAYLOAD: "2MiB",
        WEFT_VALIDATE_OUTPUT: "0",
        WEFT_DATABASE_URL: "postgres://u:p@db/shop",
        WEFT_NATS_URL: "nats://a:4222, tls://b:4222",
      },
    });
    expect(c).toMatchObject({
      app: "shop",
      env: "test",
      groups: ["edge", "orders"],
      logLevel: "error",
      shutdownGraceMs: 10_000,
      callTimeoutMs: 90_000,
      maxCallTimeoutMs: 600_000,
      serialize: true,
      maxPayload: 2 * 1024 * 1024,
      validateOutput: false,
    });
    expect(c.get(STORE_CONFIG).databaseUrl).toBe("postgres://u:p@db/shop");
    expect(c.get(NATS_CONFIG).url).toBe("nats://a:4222, tls://b:4222");
  });

  it("reads durations given as plain milliseconds", () => {
    const c = resolveConfig({ env: { WEFT_SHUTDOWN_GRACE: "5000", WEFT_CALL_TIMEOUT: "250" } });
    expect(c.shutdownGraceMs).toBe(5000);
    expect(c.callTimeoutMs).toBe(250);
  });

  it("caps call deadlines at 5 minutes unless maxCallTimeout says otherwise; 0 is refused", () => {
    expect(resolveConfig().maxCallTimeoutMs).toBe(300_000);
    expect(resolveConfig({ definition: { maxCallTimeout: "1h" } }).maxCallTimeoutMs).toBe(
      3_600_000,
    );
    expect(() => resolveConfig({ env: { WEFT_MAX_CALL_TIMEOUT: "0" } })).toThrow(
      /WEFT_MAX_CALL_TIMEOUT: must be greater than 0/,
    );
  });

  it("ignores variables that do not start with WEFT_", () => {
    expect(() => resolveConfig({ env: { PATH: "/bin", WEFTX: "1", weft_app: "x" } })).not.toThrow();
  });

  it("accepts the tooling variables WEFT_REQUIRE_SERVICES and WEFT_DATA_DIR", () => {
    expect(KNOWN_VARIABLES).toContain("WEFT_REQUIRE_SERVICES");
    expect(() =>
      resolveConfig({ env: { WEFT_REQUIRE_SERVICES: "catalog,cart", WEFT_DATA_DIR: ".data" } }),
    ).not.toThrow();
  });

  it("reports an unknown WEFT_ variable with a did-you-mean suggestion", () => {
    const e = configError({ env: { WEFT_LOG_LEVLE: "debug" } });
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(e.reason).toBe("CONFIG_INVALID");
    expect(e.issues).toEqual([
      { path: ["WEFT_LOG_LEVLE"], message: "unknown variable (did you mean WEFT_LOG_LEVEL?)" },
    ]);
    expect(e.message).toContain("WEFT_LOG_LEVLE");
    expect(e.message).toContain("did you mean WEFT_LOG_LEVEL?");
  });

  it("reports an unknown variable with no suggestion when nothing is close", () => {
    const e = configError({ env: { WEFT_COMPLETELY_DIFFERENT_THING: "1" } });
    expect(e.issues[0]?.message).toBe("unknown variable");
  });

  it("suggests the closest known name only when it is a likely typo", () => {
    expect(suggest("WEFT_NAT_URL", KNOWN_VARIABLES)).toBe("WEFT_NATS_URL");
    expect(suggest("weft_app", KNOWN_VARIABLES)).toBe("WEFT_APP");
    expect(suggest("SOMETHING_ELSE_ENTIRELY", KNOWN_VARIABLES)).toBeUndefined();
  });

  it("names the variable and the rule for a bad value", () => {
    const e = configError({ env: { WEFT_CALL_TIMEOUT: "soon" } });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.path).toEqual(["WEFT_CALL_TIMEOUT"]);
    expect(e.issues[0]?.message).toContain('must be milliseconds or a duration like "10s"');
    expect(e.issues[0]?.message).toContain('"soon"');
    expect(e.message).toContain("WEFT_CALL_TIMEOUT");
  });

  it.each([
    ["WEFT_APP", "9lives", "must start with a letter"],
    ["WEFT_ENV", "staging", "development, test, production"],
    ["WEFT_LOG_LEVEL", "loud", "must be one of"],
    ["WEFT_SERIALIZE", "maybe", "true or false"],
    ["WEFT_VALIDATE_OUTPUT", "2", "true or false"],
    ["WEFT_MAX_PAYLOAD", "12", "bytes >= 1024"],
    ["WEFT_MAX_PAYLOAD", "1 TB", "whole number of bytes"],
    ["WEFT_CALL_TIMEOUT", "0", "greater than 0"],
    ["WEFT_CALL_TIMEOUT", "0s", "greater than 0"],
    ["WEFT_SHUTDOWN_GRACE", "-1s", "duration"],
  ])("%s=%j is refused: %s", (name, value, rule) => {
    const e = configError({ env: { [name]: value } });
    expect(e.issues[0]?.path).toEqual([name]);
    expect(e.issues[0]?.message).toContain(rule);
  });

  it("reports several problems at once", () => {
    const e = configError({
      env: { WEFT_ENV: "staging", WEFT_SERIALIZE: "maybe", WEFT_GRUOP: "edge" },
      definition: { callTimeout: "forever" },
      overrides: { maxPayload: 1 },
    });
    const paths = e.issues.map((i) => i.path.join("."));
    expect(paths.sort()).toEqual(
      ["WEFT_ENV", "WEFT_GRUOP", "WEFT_SERIALIZE", "callTimeout", "maxPayload"].sort(),
    );
    for (const p of paths) expect(e.message).toContain(p);
  });
});

describe("secrets", () => {
  const SECRET = "hunter2-very-secret";

  it("reads a *_FILE secret, dropping one trailing newline", () => {
    const path = secretFile("db-url", `postgres://app:${SECRET}@db/shop\n`);
    const c = resolveConfig({ env: { WEFT_DATABASE_URL_FILE: path } });
    expect(c.get(STORE_CONFIG).databaseUrl).toBe(`postgres://app:${SECRET}@db/shop`);
  });

  it("reads any variable from a file, not only secrets", () => {
    const path = secretFile("timeout", "7s\r\n");
    expect(resolveConfig({ env: { WEFT_CALL_TIMEOUT_FILE: path } }).callTimeoutMs).toBe(7000);
  });

  it("refuses a variable set both directly and as a file", () => {
    const path = secretFile("nats-url", "nats://a:4222");
    const e = configError({
      env: { WEFT_NATS_URL: "nats://b:4222", WEFT_NATS_URL_FILE: path },
    });
    expect(e.issues).toEqual([
      {
        path: ["WEFT_NATS_URL"],
        message: "set either WEFT_NATS_URL or WEFT_NATS_URL_FILE, not both",
      },
    ]);
  });

  it("names the variable when its file cannot be read", () => {
    const missing = join(dir, "does-not-exist");
    const e = configError({ env: { WEFT_DATABASE_URL_FILE: missing } });
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]?.path).toEqual(["WEFT_DATABASE_URL_FILE"]);
    expect(e.issues[0]?.message).toContain("cannot read");
    expect(e.issues[0]?.message).toContain("ENOENT");
  });

  it("names the variable when its file is a directory", () => {
    const e = configError({ env: { WEFT_NATS_URL_FILE: dir } });
    expect(e.issues[0]?.path).toEqual(["WEFT_NATS_URL_FILE"]);
    expect(e.issues[0]?.message).toContain("EISDIR");
  });

  // Root reads any file whatever its mode, so this case only means something for other users.
  it.skipIf(process.getuid?.() === 0)("names the variable when its file is not readable", () => {
    const path = secretFile("locked", "postgres://x@db/y");
    chmodSync(path, 0o000);
    const e = configError({ env: { WEFT_DATABASE_URL_FILE: path } });
    expect(e.issues[0]?.path).toEqual(["WEFT_DATABASE_URL_FILE"]);
    expect(e.issues[0]?.message).toContain("EACCES");
  });

  it("never echoes a bad secret, from the environment or from a file", () => {
    const direct = configError({ env: { WEFT_DATABASE_URL: `mysql://root:${SECRET}@db` } });
    expect(direct.issues[0]?.path).toEqual(["WEFT_DATABASE_URL"]);
    expect(direct.issues[0]?.message).toContain("postgres://");
    const path = secretFile("bad-nats", `http://u:${SECRET}@nats`);
    const fromFile = configError({ env: { WEFT_NATS_URL_FILE: path } });
    expect(fromFile.issues[0]?.message).toContain("nats://");
    const inCode = configError({ overrides: { databaseUrl: `mysql://root:${SECRET}@db` } });
    for (const e of [direct, fromFile, inCode]) {
      expect(e.message).not.toContain(SECRET);
      expect(JSON.stringify(e.issues)).not.toContain(SECRET);
    }
  });

  it("does not echo the value of an unknown variable", () => {
    const e = configError({ env: { WEFT_DATABASE_URI: `postgres://u:${SECRET}@db` } });
    expect(e.issues[0]?.message).toContain("did you mean WEFT_DATABASE_URL?");
    expect(e.message).not.toContain(SECRET);
  });

  it("marks the URL variables as secrets in the variable list", () => {
    const secrets = describeVariables(WEFT_CONFIG_SLICES)
      .filter((v) => v.secret)
      .map((v) => v.name);
    expect(secrets).toEqual(expect.arrayContaining(["WEFT_DATABASE_URL", "WEFT_NATS_URL"]));
    expect(secrets).not.toContain("WEFT_CALL_TIMEOUT");
  });
});

describe("config from code", () => {
  it("reports unknown keys with their layer and a suggestion", () => {
    const e = configError({
      definition: { calltimeout: "1s" } as never,
      overrides: { serialise: true } as never,
    });
    expect(e.issues).toEqual([
      { path: ["config.calltimeout"], message: "unknown key (did you mean callTimeout?)" },
      { path: ["options.serialise"], message: "unknown key (did you mean serialize?)" },
    ]);
  });

  it("takes groups as a list or a comma-separated string", () => {
    expect(resolveConfig({ overrides: { groups: ["a", " b "] } }).groups).toEqual(["a", "b"]);
    expect(resolveConfig({ overrides: { groups: "a,,b" } }).groups).toEqual(["a", "b"]);
  });

  it("takes maxPayload as a number of bytes or with a unit", () => {
    expect(resolveConfig({ overrides: { maxPayload: 4096 } }).maxPayload).toBe(4096);
    expect(resolveConfig({ overrides: { maxPayload: "64KiB" } }).maxPayload).toBe(65_536);
    expect(resolveConfig({ overrides: { maxPayload: "1MB" } }).maxPayload).toBe(1_000_000);
  });
});

describe("the admin slice", () => {
  it("requires a token when the admin server binds off loopback, reported with other problems", () => {
    const e = configError({ env: { WEFT_ADMIN_HOST: "0.0.0.0", WEFT_SERIALIZE: "maybe" } });
    expect(e.issues.map((i) => i.path[0]).sort()).toEqual(["WEFT_ADMIN_TOKEN", "WEFT_SERIALIZE"]);
    expect(e.issues.find((i) => i.path[0] === "WEFT_ADMIN_TOKEN")?.message).toContain(
      "required when the admin server binds to 0.0.0.0 (not loopback)",
    );
    expect(() => resolveConfig({ env: { WEFT_ADMIN_HOST: "127.0.0.1" } })).not.toThrow();
    const token = "t".repeat(16);
    const c = resolveConfig({ overrides: { adminHost: "0.0.0.0", adminToken: token } });
    expect(c.get(ADMIN_CONFIG)).toEqual({ host: "0.0.0.0", port: 9464, token });
  });
});
