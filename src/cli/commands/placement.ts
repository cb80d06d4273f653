/**
 * `weft placement suggest --k N (--from file.json | --admin URL)`: which services should share a
 * process, from measured traffic, in plain words, with the `groups` config and the `WEFT_GROUP`
 * of each process. Rules from the command line are added to those in the file.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { invalidArgument } from "../../core/index.js";
import {
  formatRate,
  type PlacementAdvice,
  type PlacementConfig,
  type PlacementRequest,
  placementConfig,
  placementInput,
  serviceList,
  suggestPlacement,
} from "../../placement/index.js";
import { fetchTopology, parseTraffic, type TrafficSource } from "../placement-input.js";
import { createUi, type Ui } from "../ui.js";

interface SuggestOptions {
  k?: string;
  from?: string;
  admin?: string;
  token?: string;
  by: string;
  together: string[];
  apart: string[];
  fix: string[];
  maxServices?: string;
  maxLoad?: string;
  allowFewer?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function positive(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)))
    throw invalidArgument(
      "INVALID_OPTION",
      `${flag} must be a positive ${integer ? "whole " : ""}number (got ${value})`,
    );
  return n;
}

function readSource(opts: SuggestOptions): Promise<TrafficSource> | TrafficSource {
  if ((opts.from === undefined) === (opts.admin === undefined))
    throw invalidArgument(
      "TRAFFIC_SOURCE_REQUIRED",
      "give one traffic source: --from traffic.json (format in docs/cli.md) or --admin http://host:9464 (a running app)",
    );
  if (opts.admin !== undefined)
    return fetchTopology(opts.admin, opts.token ?? process.env.WEFT_ADMIN_TOKEN);
  const path = opts.from as string;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw invalidArgument(
      "TRAFFIC_FILE_UNREADABLE",
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`,
    );
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw invalidArgument("TRAFFIC_INVALID", `${path} is not JSON: ${(error as Error).message}`);
  }
  return parseTraffic(doc, path);
}

/** The rules given as options (added to the traffic file's by `placementInput`). */
function rulesOf(opts: SuggestOptions): Omit<PlacementRequest, "k"> {
  const fixed: Record<string, string> = {};
  for (const pair of opts.fix) {
    const [service, group] = pair.split("=");
    if (!service || !group)
      throw invalidArgument("INVALID_OPTION", `--fix takes service=group (got ${pair})`);
    fixed[service.trim()] = group.trim();
  }
  const maxServices = positive(opts.maxServices, "--max-services", true);
  const maxLoad = positive(opts.maxLoad, "--max-load", false);
  return {
    together: opts.together.map(serviceList),
    apart: opts.apart.map(serviceList),
    fixed,
    ...(maxServices === undefined ? {} : { maxServices }),
    ...(maxLoad === undefined ? {} : { maxLoad }),
    allowFewer: opts.allowFewer === true,
  };
}

function print(
  ui: Ui,
  advice: PlacementAdvice,
  config: PlacementConfig,
  source: TrafficSource,
): void {
  const { c } = ui;
  const rate = (v: number) => formatRate(v, advice.unit);
  const groupCount = Object.keys(advice.groups).length;
  ui.out(
    c.bold(`Suggested placement: ${groupCount} process(es), ${rate(advice.cost)} between them`),
  );
  if (source.windowSeconds !== undefined)
    ui.out(c.dim(`(traffic measured over the last ${Math.round(source.windowSeconds)} s)`));
  ui.out();
  ui.out(
    ui
      .table(
        ["GROUP", "SERVICES"],
        Object.entries(advice.groups).map(([g, services]) => [c.cyan(g), services.join(", ")]),
      )
      .replace(/^/gm, "  "),
  );
  ui.out();
  ui.out(c.bold("Why"));
  for (const line of advice.explanation) ui.out(`  - ${line}`);
  ui.out();
  ui.out(c.bold("Config"));
  ui.out(c.dim("  In the app definition (defineApp):"));
  ui.out(config.snippet.replace(/^/gm, "  "));
  ui.out(c.dim("  Then run one process per group (with WEFT_NATS_URL and WEFT_DATABASE_URL set):"));
  for (const p of config.processes) ui.out(`    ${p.command}`);
}

/** Registers `weft placement suggest` on the program. */
export function registerPlacement(cli: Command, out: (line: string) => void): void {
  const group = cli
    .command("placement")
    .description("suggest which services share a process, from measured traffic");
  group
    .command("suggest")
    .description("group services into k processes with the least traffic between processes")
    .option("-k, --k <n>", "number of processes (groups); default: k in the traffic file")
    .option("--from <file>", "traffic file (JSON; format in docs/cli.md)")
    .option("--admin <url>", "a running app's admin server, e.g. http://127.0.0.1:9464")
    .option("--token <token>", "admin token (default: env WEFT_ADMIN_TOKEN)")
    .option("--by <metric>", "what a cut costs: calls or bytes", "calls")
    .option(
      "--together <services>",
      "comma-separated services that must share a group (repeatable)",
      collect,
      [],
    )
    .option(
      "--apart <services>",
      "comma-separated services that must be in different groups (repeatable)",
      collect,
      [],
    )
    .option("--fix <service=group>", "put a service in a named group (repeatable)", collect, [])
    .option("--max-services <n>", "most services in one group")
    .option("--max-load <calls/s>", "most calls per second received by one group")
    .option("--allow-fewer", "allow fewer than k groups when that sends less between processes")
    .option("--json", "print JSON")
    .action(async (opts: SuggestOptions) => {
      const ui = createUi({ json: opts.json, out });
      if (opts.by !== "calls" && opts.by !== "bytes")
        throw invalidArgument("INVALID_OPTION", `--by is calls or bytes (got ${opts.by})`);
      const spin = ui.spinner("reading traffic");
      const source = await Promise.resolve()
        .then(() => readSource(opts))
        .finally(() => spin.stop());
      const k = positive(opts.k, "--k", true) ?? source.k;
      if (k === undefined)
        throw invalidArgument(
          "K_REQUIRED",
          "say how many processes to plan for: --k 2 (or k in the traffic file)",
        );
      const advice = suggestPlacement(
        placementInput(source, { k, weight: opts.by, ...rulesOf(opts) }),
      );
      const config = placementConfig(advice.groups);
      ui.result({ ...advice, windowSeconds: source.windowSeconds, config }, () =>
        print(ui, advice, config, source),
      );
    });
}
