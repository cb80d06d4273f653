/**
 * Reading configuration sources against a table of variables (core's and every registered
 * slice's): `WEFT_*` variables and their `*_FILE` forms, and config objects from code. Unknown
 * names are reported with a did-you-mean suggestion; secret values are never echoed; every problem
 * is collected, none thrown, so all are reported at once.
 */
import { readFileSync } from "node:fs";
import { type ConfigVariable, InvalidValue } from "./config-slice.js";
import { type FieldIssue, WeftError } from "./errors.js";

/** Every variable an app understands, by its key in config objects. */
export type VariableTable = ReadonlyMap<string, ConfigVariable<unknown>>;

/** Variables Weft's own tooling reads; apps accept and ignore them (no `*_FILE` form). */
export const TOOLING_VARIABLES: readonly string[] = ["WEFT_REQUIRE_SERVICES"];

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

/** Reads `WEFT_*` variables (and their `_FILE` forms) into raw values by key, reporting problems. */
export function readEnv(
  table: VariableTable,
  env: Readonly<Record<string, string | undefined>>,
  issues: FieldIssue[],
): Record<string, string> {
  const input: Record<string, string> = {};
  const names = [...table.values()].map((v) => v.env);
  const known = new Set([...names, ...TOOLING_VARIABLES]);
  const fileVars = new Set(names.map((n) => `${n}_FILE`));
  for (const name of Object.keys(env)) {
    if (!name.startsWith("WEFT_") || env[name] === undefined) continue;
    if (known.has(name) || fileVars.has(name)) continue;
    const hint = suggest(name, [...known, ...fileVars]);
    issues.push({
      path: [name],
      message: `unknown variable${hint === undefined ? "" : ` (did you mean ${hint}?)`}`,
    });
  }
  for (const [key, spec] of table) {
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

/**
 * Parses one layer (strings from the environment, or typed values from code) into typed values by
 * key. `source` names the layer in issues: `env` (issues name the variable), `config` or `options`.
 */
export function parseLayer(
  table: VariableTable,
  layer: Readonly<Record<string, unknown>>,
  source: "env" | "config" | "options",
  issues: FieldIssue[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const spec = table.get(key);
    if (spec === undefined) {
      const hint = suggest(key, table.keys());
      issues.push({
        path: [`${source}.${key}`],
        message: `unknown key${hint === undefined ? "" : ` (did you mean ${hint}?)`}`,
      });
      continue;
    }
    const parsed = spec.parse(value);
    if (parsed instanceof InvalidValue) {
      const shown = spec.secret === true ? "" : ` (got ${JSON.stringify(value)})`;
      issues.push({ path: [source === "env" ? spec.env : key], message: `${parsed.rule}${shown}` });
    } else {
      out[key] = parsed;
    }
  }
  return out;
}
