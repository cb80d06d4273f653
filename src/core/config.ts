/**
 * Typed configuration. Values come from, lowest precedence first: defaults, the app definition's
 * `config`, `WEFT_*` environment variables (each may instead be read from a file named by
 * `WEFT_*_FILE`, for secrets), and the options given to `createApp`. Every problem found is
 * reported at once, by name, before anything starts.
 */
import { readFileSync } from "node:fs";
import { toMilliseconds } from "./duration.js";
import { type FieldIssue, WeftError } from "./errors.js";
import { LOG_LEVELS, type LogLevel } from "./logger.js";

/** Where the app runs: development and test validate outputs too. */
export type RuntimeEnv = "development" | "test" | "production";

/** Resolved configuration of an app. */
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
  /** PostgreSQL URL for the store; unset means SQLite. */
  readonly databaseUrl: string | undefined;
  /** Folder of the SQLite store (`<dataDir>/<app>.sqlite`). Default `.data`. */
  readonly dataDir: string;
  /** NATS servers (comma-separated URLs) for split placement. */
  readonly natsUrl: string | undefined;
  /** Key that signs principals sent between processes; unset means principals stay in-process. */
  readonly principalKey: string | undefined;
  /** NATS credentials and TLS (each optional). */
  readonly nats: NatsAuthConfig;
  /** The HTTP gateway's listener. Default `0.0.0.0:3000` (port 0 picks a free port). */
  readonly http: { readonly host: string; readonly port: number };
  /**
   * The admin server (health, metrics, traces, management, dashboard). Default `127.0.0.1:9464`:
   * loopback only; binding elsewhere requires `token`, sent as `Authorization: Bearer <token>`.
   */
  readonly admin: {
    readonly host: string;
    readonly port: number;
    readonly token: string | undefined;
  };
  /** How the gateway verifies JWTs (each optional; code can set them too). */
  readonly jwt: JwtConfig;
}

/** JWT verification settings read from config (the gateway's `auth` option may add to them). */
export interface JwtConfig {
  /** Required `iss`. */
  readonly issuer: string | undefined;
  /** Required `aud`. */
  readonly audience: string | undefined;
  /** URL of a JWKS document (RS256/ES256/EdDSA keys). */
  readonly jwksUrl: string | undefined;
  /** A PEM (SPKI) public key, for one static asymmetric key. */
  readonly publicKey: string | undefined;
  /** A shared secret for HS256 (at least 32 characters). */
  readonly secret: string | undefined;
}

/** How to authenticate to NATS and secure the connection. */
export interface NatsAuthConfig {
  readonly token: string | undefined;
  readonly user: string | undefined;
  readonly password: string | undefined;
  /** Path of a `.creds` file (JWT and NKey seed). */
  readonly credsFile: string | undefined;
  /** An NKey seed (starts with `SU`). */
  readonly nkeySeed: string | undefined;
  /** PEM files for TLS. */
  readonly tlsCaFile: string | undefined;
  readonly tlsCertFile: string | undefined;
  readonly tlsKeyFile: string | undefined;
}

/** Configuration as written in an app definition or passed to createApp: every key optional. */
export type ConfigInput = {
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
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly natsUrl?: string;
  readonly principalKey?: string;
  readonly natsToken?: string;
  readonly natsUser?: string;
  readonly natsPassword?: string;
  readonly natsCredsFile?: string;
  readonly natsNkeySeed?: string;
  readonly natsTlsCaFile?: string;
  readonly natsTlsCertFile?: string;
  readonly natsTlsKeyFile?: string;
  readonly httpHost?: string;
  readonly httpPort?: number | string;
  readonly adminHost?: string;
  readonly adminPort?: number | string;
  readonly adminToken?: string;
  readonly jwtIssuer?: string;
  readonly jwtAudience?: string;
  readonly jwksUrl?: string;
  readonly jwtPublicKey?: string;
  readonly jwtSecret?: string;
};

type Key = keyof ConfigInput;

/** Environment variable of each key, and whether its value is a secret (never printed). */
const VARIABLES: Readonly<Record<Key, { env: string; secret?: boolean; help: string }>> = {
  app: { env: "WEFT_APP", help: "app name" },
  env: { env: "WEFT_ENV", help: "development | test | production" },
  groups: { env: "WEFT_GROUP", help: "comma-separated groups to run in this process" },
  logLevel: { env: "WEFT_LOG_LEVEL", help: LOG_LEVELS.join(" | ") },
  shutdownGrace: { env: "WEFT_SHUTDOWN_GRACE", help: 'duration, e.g. "25s"' },
  callTimeout: { env: "WEFT_CALL_TIMEOUT", help: 'duration, e.g. "30s"' },
  maxCallTimeout: { env: "WEFT_MAX_CALL_TIMEOUT", help: 'duration, e.g. "5m"' },
  serialize: { env: "WEFT_SERIALIZE", help: "true | false" },
  maxPayload: { env: "WEFT_MAX_PAYLOAD", help: 'bytes, e.g. 1048576 or "1MiB"' },
  validateOutput: { env: "WEFT_VALIDATE_OUTPUT", help: "true | false" },
  databaseUrl: { env: "WEFT_DATABASE_URL", secret: true, help: "postgres://… URL" },
  dataDir: { env: "WEFT_DATA_DIR", help: "folder of the SQLite store" },
  natsUrl: { env: "WEFT_NATS_URL", secret: true, help: "nats://host:port[,…]" },
  principalKey: { env: "WEFT_PRINCIPAL_KEY", secret: true, help: "at least 32 characters" },
  natsToken: { env: "WEFT_NATS_TOKEN", secret: true, help: "NATS token" },
  natsUser: { env: "WEFT_NATS_USER", help: "NATS user" },
  natsPassword: { env: "WEFT_NATS_PASSWORD", secret: true, help: "NATS password" },
  natsCredsFile: { env: "WEFT_NATS_CREDS_FILE", help: "path of a NATS .creds file" },
  natsNkeySeed: { env: "WEFT_NATS_NKEY_SEED", secret: true, help: "NATS NKey seed (SU…)" },
  natsTlsCaFile: { env: "WEFT_NATS_TLS_CA_FILE", help: "PEM file of the CA" },
  natsTlsCertFile: { env: "WEFT_NATS_TLS_CERT_FILE", help: "PEM client certificate" },
  natsTlsKeyFile: { env: "WEFT_NATS_TLS_KEY_FILE", help: "PEM client key" },
  httpHost: { env: "WEFT_HTTP_HOST", help: "gateway listen address (default 0.0.0.0)" },
  httpPort: { env: "WEFT_HTTP_PORT", help: "gateway port (default 3000; 0 = any free port)" },
  adminHost: { env: "WEFT_ADMIN_HOST", help: "admin listen address (default 127.0.0.1)" },
  adminPort: { env: "WEFT_ADMIN_PORT", help: "admin port (default 9464; 0 = any free port)" },
  adminToken: {
    env: "WEFT_ADMIN_TOKEN",
    secret: true,
    help: "bearer token for the admin API (required off loopback)",
  },
  jwtIssuer: { env: "WEFT_JWT_ISSUER", help: "required JWT issuer (iss)" },
  jwtAudience: { env: "WEFT_JWT_AUDIENCE", help: "required JWT audience (aud)" },
  jwksUrl: { env: "WEFT_JWKS_URL", help: "URL of the JWKS that signs JWTs" },
  jwtPublicKey: { env: "WEFT_JWT_PUBLIC_KEY", help: "PEM public key that signs JWTs" },
  jwtSecret: { env: "WEFT_JWT_SECRET", secret: true, help: "HS256 secret, >= 32 characters" },
};

/** Variables Weft's own tooling reads; apps accept and ignore them. */
const TOOLING_VARIABLES = new Set(["WEFT_REQUIRE_SERVICES"]);

/** All `WEFT_*` variables an app understands (each also as `*_FILE`, except tooling ones). */
export const KNOWN_VARIABLES: readonly string[] = [
  ...Object.values(VARIABLES).map((v) => v.env),
  ...TOOLING_VARIABLES,
];

/** A configuration problem: which setting, and what is wrong. */
export class ConfigError extends WeftError {
  constructor(issues: readonly FieldIssue[]) {
    const lines = issues.map((i) => `  - ${i.path.join(".")}: ${i.message}`);
    super(
      "INVALID_ARGUMENT",
      "CONFIG_INVALID",
      `invalid Weft configuration:\n${lines.join("\n")}`,
      {
        issues,
        retryable: false,
      },
    );
    this.name = "ConfigError";
  }
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = row[j] as number;
      row[j] = next;
    }
  }
  return row[b.length] as number;
}

/** The closest known name, when one is close enough to be a likely typo. */
export function suggest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const d = distance(name.toUpperCase(), candidate.toUpperCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Reads `WEFT_*` variables (and their `_FILE` forms) into config input, reporting problems. */
function fromEnv(env: Readonly<Record<string, string | undefined>>, issues: FieldIssue[]) {
  const input: Record<string, string> = {};
  const known = new Set(KNOWN_VARIABLES);
  const fileVars = new Set(Object.values(VARIABLES).map((v) => `${v.env}_FILE`));
  for (const name of Object.keys(env)) {
    if (!name.startsWith("WEFT_") || env[name] === undefined) continue;
    if (known.has(name) || fileVars.has(name)) continue;
    const hint = suggest(name, [...known, ...fileVars]);
    issues.push({
      path: [name],
      message: `unknown variable${hint === undefined ? "" : ` (did you mean ${hint}?)`}`,
    });
  }
  for (const [key, spec] of Object.entries(VARIABLES) as [Key, (typeof VARIABLES)[Key]][]) {
    const direct = env[spec.env];
    const file = env[`${spec.env}_FILE`];
    if (direct !== undefined && file !== undefined) {
      issues.push({
        path: [spec.env],
        message: `set either ${spec.env} or ${spec.env}_FILE, not both`,
      });
    } else if (file !== undefined) {
      try {
        input[key] = readFileSync(file, "utf8").replace(/\r?\n$/, "");
      } catch (e) {
        const why = (e as NodeJS.ErrnoException).code ?? "unreadable";
        issues.push({ path: [`${spec.env}_FILE`], message: `cannot read ${file} (${why})` });
      }
    } else if (direct !== undefined) {
      input[key] = direct;
    }
  }
  return input;
}

const BYTES = /^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$/;
const BYTE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

type Parsed = Partial<Record<Key, unknown>>;

/** Parses one layer (strings from env, or typed values from code) into typed values. */
function parseLayer(
  layer: Readonly<Record<string, unknown>>,
  source: string,
  issues: FieldIssue[],
): Parsed {
  const out: Parsed = {};
  const bad = (key: Key, rule: string) => {
    const name = source === "env" ? VARIABLES[key].env : key;
    const shown = VARIABLES[key].secret ? "" : ` (got ${JSON.stringify(layer[key])})`;
    issues.push({ path: [name], message: `${rule}${shown}` });
  };
  for (const [rawKey, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    if (!(rawKey in VARIABLES)) {
      const hint = suggest(rawKey, Object.keys(VARIABLES));
      issues.push({
        path: [`${source}.${rawKey}`],
        message: `unknown key${hint === undefined ? "" : ` (did you mean ${hint}?)`}`,
      });
      continue;
    }
    const key = rawKey as Key;
    switch (key) {
      case "app":
        if (typeof value === "string" && /^[A-Za-z][A-Za-z0-9_-]*$/.test(value)) out.app = value;
        else bad(key, 'must start with a letter and use only letters, digits, "-" and "_"');
        break;
      case "env":
        if (value === "development" || value === "test" || value === "production") out.env = value;
        else bad(key, "must be one of development, test, production");
        break;
      case "logLevel":
        if ((LOG_LEVELS as readonly unknown[]).includes(value)) out.logLevel = value;
        else bad(key, `must be one of ${LOG_LEVELS.join(", ")}`);
        break;
      case "groups": {
        const list = typeof value === "string" ? value.split(",") : value;
        if (Array.isArray(list) && list.every((g) => typeof g === "string")) {
          out.groups = list.map((g: string) => g.trim()).filter((g: string) => g !== "");
        } else bad(key, "must be a list of group names");
        break;
      }
      case "shutdownGrace":
      case "callTimeout":
      case "maxCallTimeout":
        try {
          // Environment values are strings: there a bare number means milliseconds, as in code.
          const plain = typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value);
          const ms = toMilliseconds(plain ? Number(value) : (value as string), key);
          if (key !== "shutdownGrace" && ms === 0) bad(key, "must be greater than 0");
          else out[key] = ms;
        } catch {
          bad(key, 'must be milliseconds or a duration like "10s"');
        }
        break;
      case "serialize":
      case "validateOutput":
        if (typeof value === "boolean") out[key] = value;
        else if (typeof value === "string" && /^(true|1|yes)$/i.test(value)) out[key] = true;
        else if (typeof value === "string" && /^(false|0|no)$/i.test(value)) out[key] = false;
        else bad(key, "must be true or false");
        break;
      case "maxPayload": {
        const m =
          typeof value === "number"
            ? [String(value), String(value), "B"]
            : BYTES.exec(String(value));
        const bytes = m === null ? Number.NaN : Number(m[1]) * (BYTE_UNITS[m[2] ?? "B"] ?? 1);
        if (Number.isSafeInteger(bytes) && bytes >= 1024) out.maxPayload = bytes;
        else bad(key, 'must be a whole number of bytes >= 1024, e.g. 1048576 or "1MiB"');
        break;
      }
      case "databaseUrl":
        if (typeof value === "string" && /^postgres(ql)?:\/\//.test(value)) out.databaseUrl = value;
        else bad(key, "must be a postgres:// or postgresql:// URL");
        break;
      case "httpPort":
      case "adminPort": {
        const port = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
        if (typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535)
          out[key] = port;
        else bad(key, "must be a port number from 0 to 65535");
        break;
      }
      case "jwtSecret":
      case "adminToken":
        if (typeof value === "string" && value.length >= (key === "jwtSecret" ? 32 : 16))
          out[key] = value;
        else bad(key, `must be at least ${key === "jwtSecret" ? 32 : 16} characters`);
        break;
      case "jwksUrl":
        if (typeof value === "string" && /^https?:\/\/\S+$/.test(value)) out.jwksUrl = value;
        else bad(key, "must be an http:// or https:// URL");
        break;
      case "httpHost":
      case "adminHost":
      case "jwtIssuer":
      case "jwtAudience":
      case "jwtPublicKey":
      case "dataDir":
      case "natsToken":
      case "natsUser":
      case "natsPassword":
      case "natsCredsFile":
      case "natsTlsCaFile":
      case "natsTlsCertFile":
      case "natsTlsKeyFile":
        if (typeof value === "string" && value !== "") out[key] = value;
        else bad(key, "must be a non-empty string");
        break;
      case "natsNkeySeed":
        if (typeof value === "string" && /^SU[A-Z2-7]{50,}$/.test(value)) out.natsNkeySeed = value;
        else bad(key, "must be an NKey user seed (starts with SU)");
        break;
      case "principalKey":
        if (typeof value === "string" && value.length >= 32) out.principalKey = value;
        else bad(key, "must be at least 32 characters");
        break;
      case "natsUrl":
        if (
          typeof value === "string" &&
          value.split(",").every((u) => /^(nats|tls|wss?):\/\/\S+$/.test(u.trim()))
        ) {
          out.natsUrl = value;
        } else bad(key, "must be nats://host:port, or several separated by commas");
        break;
    }
  }
  return out;
}

/** Where configuration is read from. */
export interface ConfigSources {
  /** The app definition's `config`. */
  definition?: ConfigInput | undefined;
  /** Environment variables. Default: none (pass `process.env` to read the real environment). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Options from code; they win over everything else. */
  overrides?: ConfigInput | undefined;
}

/**
 * Resolves configuration from its sources. Throws a {@link ConfigError} listing every problem:
 * unknown `WEFT_*` variables or keys (with a suggestion), bad values (naming the rule), unreadable
 * `*_FILE` secrets. Secret values are never echoed.
 */
export function resolveConfig(sources: ConfigSources = {}): WeftConfig {
  const issues: FieldIssue[] = [];
  const env = sources.env ?? {};
  const merged: Parsed = {
    ...parseLayer(sources.definition ?? {}, "config", issues),
    ...parseLayer(fromEnv(env, issues), "env", issues),
    ...parseLayer(sources.overrides ?? {}, "options", issues),
  };
  const adminHost = merged.adminHost as string | undefined;
  if (adminHost !== undefined && !isLoopback(adminHost) && merged.adminToken === undefined) {
    issues.push({
      path: ["WEFT_ADMIN_TOKEN"],
      message: `required when the admin server binds to ${adminHost} (not loopback): management endpoints must not be open`,
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const nodeEnv = env.NODE_ENV;
  const runtimeEnv =
    (merged.env as RuntimeEnv | undefined) ??
    (nodeEnv === "production" ? "production" : nodeEnv === "test" ? "test" : "development");
  return {
    app: merged.app as string | undefined,
    env: runtimeEnv,
    groups: (merged.groups as string[] | undefined) ?? [],
    logLevel:
      (merged.logLevel as LogLevel | undefined) ?? (runtimeEnv === "test" ? "warn" : "info"),
    shutdownGraceMs: (merged.shutdownGrace as number | undefined) ?? 25_000,
    callTimeoutMs: (merged.callTimeout as number | undefined) ?? 30_000,
    maxCallTimeoutMs: (merged.maxCallTimeout as number | undefined) ?? 300_000,
    serialize: (merged.serialize as boolean | undefined) ?? false,
    maxPayload: (merged.maxPayload as number | undefined) ?? 1024 * 1024,
    validateOutput: (merged.validateOutput as boolean | undefined) ?? runtimeEnv !== "production",
    databaseUrl: merged.databaseUrl as string | undefined,
    dataDir: (merged.dataDir as string | undefined) ?? ".data",
    natsUrl: merged.natsUrl as string | undefined,
    principalKey: merged.principalKey as string | undefined,
    nats: {
      token: merged.natsToken as string | undefined,
      user: merged.natsUser as string | undefined,
      password: merged.natsPassword as string | undefined,
      credsFile: merged.natsCredsFile as string | undefined,
      nkeySeed: merged.natsNkeySeed as string | undefined,
      tlsCaFile: merged.natsTlsCaFile as string | undefined,
      tlsCertFile: merged.natsTlsCertFile as string | undefined,
      tlsKeyFile: merged.natsTlsKeyFile as string | undefined,
    },
    http: {
      host: (merged.httpHost as string | undefined) ?? "0.0.0.0",
      port: (merged.httpPort as number | undefined) ?? 3000,
    },
    admin: {
      host: (merged.adminHost as string | undefined) ?? "127.0.0.1",
      port: (merged.adminPort as number | undefined) ?? 9464,
      token: merged.adminToken as string | undefined,
    },
    jwt: {
      issuer: merged.jwtIssuer as string | undefined,
      audience: merged.jwtAudience as string | undefined,
      jwksUrl: merged.jwksUrl as string | undefined,
      publicKey: merged.jwtPublicKey as string | undefined,
      secret: merged.jwtSecret as string | undefined,
    },
  };
}

/** True for addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Describes every variable for `--help` output and docs. */
export function describeVariables(): {
  name: string;
  key: string;
  help: string;
  secret: boolean;
}[] {
  return (Object.entries(VARIABLES) as [Key, (typeof VARIABLES)[Key]][]).map(([key, v]) => ({
    name: v.env,
    key,
    help: v.help,
    secret: v.secret === true,
  }));
}
