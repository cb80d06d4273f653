/**
 * Checks of the gateway's and routes' options. Every problem is reported as a field issue with the
 * path of the bad option, so a definition error says exactly what to fix.
 */
import { parseBytes } from "../core/config-values.js";

import { type Duration, type FieldIssue, type MethodSpec, toMilliseconds } from "../core/index.js";
import type { GatewayOptions, RateLimitRule, RouteOptions } from "./types.js";

type Path = readonly (string | number)[];

const ROUTE_KEYS = new Set([
  "auth",
  "scopes",
  "idempotency",
  "rateLimit",
  "status",
  "description",
  "tags",
  "timeout",
  "coerce",
]);

const GATEWAY_KEYS = new Set([
  "routes",
  "auth",
  "bodyLimit",
  "maxHeaderSize",
  "timeouts",
  "rateLimit",
  "cors",
  "idempotency",
  "openapi",
  "host",
  "port",
  "trustProxy",
  "problemTypeBase",
  "metadataHeaders",
]);

const AUTH_MODES: readonly unknown[] = ["required", "optional", "none"];
const TOKEN = /^[A-Za-z0-9_.:-]+$/;

/** Reports keys of `value` not in `known`. */
export function unknownKeys(
  value: object,
  known: ReadonlySet<string>,
  path: Path,
  issues: FieldIssue[],
) {
  for (const key of Object.keys(value)) {
    if (!known.has(key))
      issues.push({
        path: [...path, key],
        message: `unknown option (known: ${[...known].join(", ")})`,
      });
  }
}

/** Pushes an issue unless `value` is a duration (> 0 unless `zero`); returns its milliseconds. */
export function checkDuration(value: unknown, path: Path, issues: FieldIssue[], zero = false) {
  try {
    const ms = toMilliseconds(value as Duration, path.join("."));
    if (ms > 0 || zero) return ms;
    issues.push({ path, message: "must be longer than 0" });
  } catch {
    issues.push({ path, message: 'must be milliseconds or a duration like "10s"' });
  }
  return undefined;
}

function checkStrings(value: unknown, path: Path, issues: FieldIssue[]): void {
  if (!Array.isArray(value) || !value.every((s) => typeof s === "string" && s !== ""))
    issues.push({ path, message: "must be a list of non-empty strings" });
}

/** Checks a rate limit rule. */
export function checkRateLimit(rule: unknown, path: Path, issues: FieldIssue[]): void {
  if (typeof rule !== "object" || rule === null) {
    issues.push({ path, message: 'must be { limit, window } (e.g. { limit: 100, window: "1m" })' });
    return;
  }
  const r = rule as RateLimitRule;
  unknownKeys(r, new Set(["limit", "window", "name"]), path, issues);
  if (!Number.isSafeInteger(r.limit) || r.limit < 1)
    issues.push({ path: [...path, "limit"], message: "must be a whole number >= 1" });
  const ms = checkDuration(r.window, [...path, "window"], issues);
  if (ms !== undefined && ms < 1000)
    issues.push({ path: [...path, "window"], message: "must be at least 1s" });
  if (r.name !== undefined && (typeof r.name !== "string" || !TOKEN.test(r.name)))
    issues.push({ path: [...path, "name"], message: "must be letters, digits, _ . : -" });
}

/** Checks a route's options against the method it calls. */
export function checkRouteOptions(
  options: RouteOptions,
  spec: MethodSpec | undefined,
  issues: FieldIssue[],
): void {
  if (typeof options !== "object" || options === null) {
    issues.push({ path: ["options"], message: "must be an object" });
    return;
  }
  const at = (key: string): Path => ["options", key];
  unknownKeys(options, ROUTE_KEYS, ["options"], issues);
  if (options.auth !== undefined && !AUTH_MODES.includes(options.auth))
    issues.push({ path: at("auth"), message: "must be required, optional or none" });
  if (options.scopes !== undefined) checkStrings(options.scopes, at("scopes"), issues);
  if (options.tags !== undefined) checkStrings(options.tags, at("tags"), issues);
  if (options.idempotency !== undefined) {
    if (options.idempotency !== "optional" && options.idempotency !== "required")
      issues.push({ path: at("idempotency"), message: "must be optional or required" });
    else if (spec?.idempotent === true)
      issues.push({
        path: at("idempotency"),
        message:
          "the method is declared idempotent: retrying it is already safe, it needs no Idempotency-Key",
      });
  }
  if (options.rateLimit !== undefined && options.rateLimit !== false)
    checkRateLimit(options.rateLimit, at("rateLimit"), issues);
  if (
    options.status !== undefined &&
    (!Number.isInteger(options.status) || options.status < 200 || options.status > 299)
  )
    issues.push({ path: at("status"), message: "must be a success status from 200 to 299" });
  if (options.description !== undefined && typeof options.description !== "string")
    issues.push({ path: at("description"), message: "must be a string" });
  if (options.timeout !== undefined) checkDuration(options.timeout, at("timeout"), issues);
  if (options.coerce !== undefined && typeof options.coerce !== "boolean")
    issues.push({ path: at("coerce"), message: "must be true or false" });
}

/** The path of the OpenAPI document a gateway serves, or undefined when it serves none. */
export function documentPath(options: GatewayOptions): string | undefined {
  return options.openapi === false ? undefined : (options.openapi?.path ?? "/openapi.json");
}

/** Checks the gateway's own options (not its routes, checked one by one by `route`). */
export function checkGatewayOptions(options: GatewayOptions, issues: FieldIssue[]): void {
  unknownKeys(options, GATEWAY_KEYS, [], issues);
  if (options.bodyLimit !== undefined && parseBytes(options.bodyLimit) === undefined)
    issues.push({ path: ["bodyLimit"], message: 'must be a number of bytes > 0 or like "1MiB"' });
  if (
    options.maxHeaderSize !== undefined &&
    (!Number.isSafeInteger(options.maxHeaderSize) || options.maxHeaderSize < 1024)
  )
    issues.push({ path: ["maxHeaderSize"], message: "must be a whole number of bytes >= 1024" });
  const timeouts = options.timeouts ?? {};
  unknownKeys(
    timeouts,
    new Set(["headers", "request", "body", "keepAlive", "call"]),
    ["timeouts"],
    issues,
  );
  for (const [key, value] of Object.entries(timeouts)) {
    if (value !== undefined) checkDuration(value, ["timeouts", key], issues);
  }
  if (options.rateLimit !== undefined) checkRateLimit(options.rateLimit, ["rateLimit"], issues);
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
  )
    issues.push({ path: ["port"], message: "must be a port number from 0 to 65535" });
  if (options.host !== undefined && (typeof options.host !== "string" || options.host === ""))
    issues.push({ path: ["host"], message: "must be a non-empty string" });
  if (options.trustProxy !== undefined && typeof options.trustProxy !== "boolean")
    issues.push({ path: ["trustProxy"], message: "must be true or false" });
  if (options.metadataHeaders !== undefined) {
    checkStrings(options.metadataHeaders, ["metadataHeaders"], issues);
    if (
      Array.isArray(options.metadataHeaders) &&
      options.metadataHeaders.some((h) =>
        /^(authorization|cookie|x-api-key|proxy-authorization)$/i.test(String(h)),
      )
    )
      issues.push({
        path: ["metadataHeaders"],
        message: "must not copy credentials (authorization, cookie, x-api-key)",
      });
  }
  if (options.problemTypeBase !== undefined && typeof options.problemTypeBase !== "string")
    issues.push({ path: ["problemTypeBase"], message: "must be a URI prefix string" });
  const idem = options.idempotency ?? {};
  unknownKeys(idem, new Set(["retention", "cleanupInterval"]), ["idempotency"], issues);
  if (idem.retention !== undefined)
    checkDuration(idem.retention, ["idempotency", "retention"], issues);
  if (idem.cleanupInterval !== undefined)
    checkDuration(idem.cleanupInterval, ["idempotency", "cleanupInterval"], issues);
  const openapi = options.openapi;
  if (openapi !== undefined && openapi !== false) {
    if (typeof openapi !== "object" || openapi === null)
      issues.push({ path: ["openapi"], message: "must be false or { path, info }" });
    else {
      unknownKeys(openapi, new Set(["path", "info"]), ["openapi"], issues);
      if (openapi.path !== undefined && !/^\/[A-Za-z0-9._~/-]*$/.test(openapi.path))
        issues.push({ path: ["openapi", "path"], message: "must be a path starting with /" });
    }
  }
}

/** Checks CORS and auth options (kept apart: they have their own shapes). */
export function checkSecurityOptions(options: GatewayOptions, issues: FieldIssue[]): void {
  const cors = options.cors;
  if (cors !== undefined) {
    unknownKeys(
      cors,
      new Set(["origins", "credentials", "maxAge", "allowHeaders"]),
      ["cors"],
      issues,
    );
    if (cors.origins !== "*") checkStrings(cors.origins, ["cors", "origins"], issues);
    if (cors.origins === "*" && cors.credentials === true)
      issues.push({ path: ["cors", "credentials"], message: 'cannot be true with origins "*"' });
    if (cors.maxAge !== undefined) checkDuration(cors.maxAge, ["cors", "maxAge"], issues, true);
    if (cors.allowHeaders !== undefined)
      checkStrings(cors.allowHeaders, ["cors", "allowHeaders"], issues);
  }
  const auth = options.auth;
  if (auth === undefined) return;
  unknownKeys(auth, new Set(["default", "jwt", "apiKeys"]), ["auth"], issues);
  if (auth.default !== undefined && !AUTH_MODES.includes(auth.default))
    issues.push({ path: ["auth", "default"], message: "must be required, optional or none" });
  const jwt = auth.jwt;
  if (jwt !== undefined) {
    const keys = [
      "issuer",
      "audience",
      "jwksUrl",
      "publicKey",
      "secret",
      "algorithms",
      "clockTolerance",
    ];
    unknownKeys(jwt, new Set(keys), ["auth", "jwt"], issues);
    if (jwt.secret !== undefined && (typeof jwt.secret !== "string" || jwt.secret.length < 32))
      issues.push({ path: ["auth", "jwt", "secret"], message: "must be at least 32 characters" });
    if (jwt.jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(String(jwt.jwksUrl)))
      issues.push({
        path: ["auth", "jwt", "jwksUrl"],
        message: "must be an http:// or https:// URL",
      });
    if (jwt.algorithms !== undefined) {
      checkStrings(jwt.algorithms, ["auth", "jwt", "algorithms"], issues);
      if (
        Array.isArray(jwt.algorithms) &&
        jwt.algorithms.some((a) => String(a).toLowerCase() === "none")
      )
        issues.push({ path: ["auth", "jwt", "algorithms"], message: 'must not contain "none"' });
    }
    if (jwt.clockTolerance !== undefined)
      checkDuration(jwt.clockTolerance, ["auth", "jwt", "clockTolerance"], issues, true);
  }
  const ids = new Set<string>();
  (auth.apiKeys ?? []).forEach((entry, i) => {
    const at: Path = ["auth", "apiKeys", i];
    if (typeof entry?.id !== "string" || entry.id === "")
      issues.push({ path: [...at, "id"], message: "must be a non-empty string" });
    else if (ids.has(entry.id))
      issues.push({ path: [...at, "id"], message: `${entry.id} is listed twice` });
    else ids.add(entry.id);
    if (typeof entry?.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(entry.sha256))
      issues.push({
        path: [...at, "sha256"],
        message: "must be 64 lowercase hex characters (the key's SHA-256)",
      });
    if (entry?.scopes !== undefined) checkStrings(entry.scopes, [...at, "scopes"], issues);
  });
}
