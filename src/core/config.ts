/**
 * Typed configuration. Values come from, lowest precedence first: defaults, the app definition's
 * `config`, `WEFT_*` environment variables (each may instead be read from a file named by
 * `WEFT_*_FILE`, for secrets), and the options given to `createApp`. Every problem found is
 * reported at once, by name, before anything starts.
 *
 * Core owns the settings below (app, env, groups, timeouts, logging, codec limits, principal
 * signing); each subsystem owns a slice of its own (`defineConfigSlice`, read with
 * `app.config.get(SLICE)`), registered by its extension. Resolving reads core's variables and every
 * registered slice's together, so an unknown variable is one no registered part of the app reads.
 */
import {
  type ConfigSlice,
  type ConfigVariable,
  defineConfigSlice,
  type InvalidValue,
  invalid,
} from "./config-slice.js";
import {
  ConfigError,
  parseLayer,
  readEnv,
  TOOLING_VARIABLES,
  type VariableTable,
} from "./config-sources.js";
import { atLeast, bytes, duration, flag, matching, oneOf } from "./config-values.js";
import { type FieldIssue, failedPrecondition } from "./errors.js";
import { LOG_LEVELS, type LogLevel } from "./logger.js";

export { ConfigError, suggest } from "./config-sources.js";

/** Where the app runs: development and test validate outputs too. */
export type RuntimeEnv = "development" | "test" | "production";

/** Resolved configuration of an app: core's settings, and each registered slice's by `get`. */
export interface WeftConfig {
  /** The app's name (namespaces subjects, streams and schemas). Default: the definition's name. */
  readonly app: string | undefined;
  /** Default `development`, or `test`/`production` when NODE_ENV says so. */
  readonly env: RuntimeEnv;
  /** Groups this process runs; empty means all (one process). Default all. */
  readonly groups: readonly string[];
  /** Default `info` (`warn` in test). */
  readonly logLevel: LogLevel;
  /** How long stop() waits for in-flight work, in ms. Default 25 000 (fits Kubernetes' 30 s). */
  readonly shutdownGraceMs: number;
  /** Default timeout of a call when the caller has no deadline, in ms. Default 30 000. */
  readonly callTimeoutMs: number;
  /**
   * Longest deadline this app grants a call it serves, in ms: longer (or no) deadlines from
   * callers are cut to it. Default 300 000 (5 min).
   */
  readonly maxCallTimeoutMs: number;
  /** Round-trip every in-process call through the codec, as a network would. Default false. */
  readonly serialize: boolean;
  /** Largest encoded call input or output, in bytes. Default 1 MiB (NATS's default). */
  readonly maxPayload: number;
  /** Validate handler outputs against the contract. Default: true except in production. */
  readonly validateOutput: boolean;
  /**
   * Key that signs principals sent between processes, over any transport; unset means principals
   * stay in-process.
   */
  readonly principalKey: string | undefined;
  /**
   * The resolved value of a registered slice (`app.config.get(STORE_CONFIG)`). Throws
   * FAILED_PRECONDITION (`CONFIG_SLICE_NOT_REGISTERED`) for a slice no extension registered.
   */
  get<T>(slice: ConfigSlice<T>): T;
}

/**
 * Configuration as written in an app definition or passed to createApp: every key optional.
 * Subsystems add their slices' keys to this interface (`declare module`), e.g. `databaseUrl`.
 */
export interface ConfigInput {
  readonly app?: string;
  readonly env?: RuntimeEnv;
  readonly groups?: readonly string[] | string;
  readonly logLevel?: LogLevel;
  readonly shutdownGrace?: number | string;
  readonly callTimeout?: number | string;
  readonly maxCallTimeout?: number | string;
  readonly serialize?: boolean;
  readonly maxPayload?: number | string;
  readonly validateOutput?: boolean;
  readonly principalKey?: string;
}

/** Groups as a list, or comma-separated. */
function groups(value: unknown): string[] | InvalidValue {
  const list = typeof value === "string" ? value.split(",") : value;
  return Array.isArray(list) && list.every((g) => typeof g === "string")
    ? list.map((g: string) => g.trim()).filter((g: string) => g !== "")
    : invalid("must be a list of group names");
}

/** Core's own variables, resolved into the plain fields of {@link WeftConfig}. */
const CORE = defineConfigSlice({
  name: "core",
  variables: {
    app: {
      env: "WEFT_APP",
      help: "app name",
      parse: matching(
        /^[A-Za-z][A-Za-z0-9_-]*$/,
        'must start with a letter and use only letters, digits, "-" and "_"',
      ),
    },
    env: {
      env: "WEFT_ENV",
      help: "development | test | production",
      parse: oneOf<RuntimeEnv>(["development", "test", "production"]),
    },
    groups: {
      env: "WEFT_GROUP",
      help: "comma-separated groups to run in this process",
      parse: groups,
    },
    logLevel: {
      env: "WEFT_LOG_LEVEL",
      help: LOG_LEVELS.join(" | "),
      parse: oneOf<LogLevel>(LOG_LEVELS),
    },
    shutdownGrace: { env: "WEFT_SHUTDOWN_GRACE", help: 'duration, e.g. "25s"', parse: duration() },
    callTimeout: {
      env: "WEFT_CALL_TIMEOUT",
      help: 'duration, e.g. "30s"',
      parse: duration({ positive: true }),
    },
    maxCallTimeout: {
      env: "WEFT_MAX_CALL_TIMEOUT",
      help: 'duration, e.g. "5m"',
      parse: duration({ positive: true }),
    },
    serialize: { env: "WEFT_SERIALIZE", help: "true | false", parse: flag },
    maxPayload: { env: "WEFT_MAX_PAYLOAD", help: 'bytes, e.g. 1048576 or "1MiB"', parse: bytes },
    validateOutput: { env: "WEFT_VALIDATE_OUTPUT", help: "true | false", parse: flag },
    principalKey: {
      env: "WEFT_PRINCIPAL_KEY",
      secret: true,
      help: "at least 32 characters",
      parse: atLeast(32),
    },
  },
  resolve: (v, context) => {
    const env = context.env as RuntimeEnv;
    return {
      app: v.app,
      env,
      groups: v.groups ?? [],
      logLevel: v.logLevel ?? (env === "test" ? "warn" : "info"),
      shutdownGraceMs: v.shutdownGrace ?? 25_000,
      callTimeoutMs: v.callTimeout ?? 30_000,
      maxCallTimeoutMs: v.maxCallTimeout ?? 300_000,
      serialize: v.serialize ?? false,
      maxPayload: v.maxPayload ?? 1024 * 1024,
      validateOutput: v.validateOutput ?? env !== "production",
      principalKey: v.principalKey,
    } satisfies Omit<WeftConfig, "get">;
  },
});

/** Core's slice first, then `slices` (each once); two slices may not share a key or a variable. */
function tableOf(slices: readonly ConfigSlice<unknown>[]): {
  slices: ConfigSlice<unknown>[];
  table: VariableTable;
} {
  const unique = [...new Set([CORE as ConfigSlice<unknown>, ...slices])];
  const table = new Map<string, ConfigVariable<unknown>>();
  const owners = new Map<string, string>();
  for (const slice of unique) {
    for (const [key, variable] of Object.entries(slice.variables)) {
      const clash = owners.get(key) ?? owners.get(variable.env);
      if (clash !== undefined) {
        throw failedPrecondition(
          "CONFIG_SLICE_CONFLICT",
          `config slice ${slice.name}: ${key} (${variable.env}) is already defined by slice ${clash}`,
        );
      }
      owners.set(key, slice.name).set(variable.env, slice.name);
      table.set(key, variable);
    }
  }
  return { slices: unique, table };
}

/** Where configuration is read from. */
export interface ConfigSources {
  /** The app definition's `config`. */
  definition?: ConfigInput | undefined;
  /** Environment variables. Default: none (pass `process.env` to read the real environment). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Options from code; they win over everything else. */
  overrides?: ConfigInput | undefined;
  /** Subsystems' slices to read besides core's (an app passes its extensions'). Default none. */
  slices?: readonly ConfigSlice<unknown>[] | undefined;
}

/**
 * Resolves configuration from its sources. Throws a {@link ConfigError} listing every problem:
 * unknown `WEFT_*` variables or keys (with a suggestion), bad values (naming the rule), unreadable
 * `*_FILE` secrets, slices' cross-field rules. Secret values are never echoed.
 */
export function resolveConfig(sources: ConfigSources = {}): WeftConfig {
  const { slices, merged, issues, runtimeEnv } = read(sources);
  // By name: an app built by another copy of Weft (a CLI running a checkout's app) still answers.
  const resolved = new Map<string, unknown>();
  for (const slice of slices) {
    const values = Object.fromEntries(Object.keys(slice.variables).map((k) => [k, merged[k]]));
    const report = (key: string, message: string) =>
      issues.push({ path: [slice.variables[key]?.env ?? key], message });
    resolved.set(slice.name, slice.resolve(values, { env: runtimeEnv, report }));
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    ...(resolved.get(CORE.name) as Omit<WeftConfig, "get">),
    get<T>(slice: ConfigSlice<T>): T {
      if (!resolved.has(slice.name)) {
        throw failedPrecondition(
          "CONFIG_SLICE_NOT_REGISTERED",
          `config slice ${slice.name} is not registered with this app: add the extension that owns it (or use createApp from "weft", which registers every built-in slice)`,
        );
      }
      return resolved.get(slice.name) as T;
    },
  };
}

/** Reads and parses every source against core's and the slices' variables, collecting issues. */
function read(sources: ConfigSources) {
  const issues: FieldIssue[] = [];
  const env = sources.env ?? {};
  const { slices, table } = tableOf(sources.slices ?? []);
  const merged: Record<string, unknown> = {
    ...parseLayer(table, { ...sources.definition }, "config", issues),
    ...parseLayer(table, readEnv(table, env, issues), "env", issues),
    ...parseLayer(table, { ...sources.overrides }, "options", issues),
  };
  const nodeEnv = env.NODE_ENV;
  const runtimeEnv =
    (merged.env as RuntimeEnv | undefined) ??
    (nodeEnv === "production" ? "production" : nodeEnv === "test" ? "test" : "development");
  return { slices, table, merged, issues, runtimeEnv };
}

/**
 * The value each slice variable was given (after precedence; undefined when unset, so the slice's
 * default applies), for `weft config`. Throws a {@link ConfigError} as {@link resolveConfig} does.
 */
export function givenValues(sources: ConfigSources = {}): {
  key: string;
  name: string;
  secret: boolean;
  slice: string;
  value: unknown;
  shownDefault: string | undefined;
}[] {
  const { slices, merged } = read(sources);
  resolveConfig(sources);
  return slices
    .filter((slice) => slice !== CORE)
    .flatMap((slice) =>
      Object.entries(slice.variables).map(([key, v]) => ({
        key,
        name: v.env,
        secret: v.secret === true,
        slice: slice.name,
        value: merged[key],
        shownDefault: v.shownDefault,
      })),
    );
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Every `WEFT_*` variable core and `slices` read (each also as `*_FILE`), then tooling ones. */
export function knownVariables(slices: readonly ConfigSlice<unknown>[] = []): string[] {
  return [...[...tableOf(slices).table.values()].map((v) => v.env), ...TOOLING_VARIABLES];
}

/** Describes core's and `slices`' variables for `--help` output and docs, core's first. */
export function describeVariables(slices: readonly ConfigSlice<unknown>[] = []): {
  name: string;
  key: string;
  help: string;
  secret: boolean;
  slice: string;
}[] {
  return tableOf(slices).slices.flatMap((slice) =>
    Object.entries(slice.variables).map(([key, v]) => ({
      name: v.env,
      key,
      help: v.help,
      secret: v.secret === true,
      slice: slice.name,
    })),
  );
}
