/**
 * Instruction-count guard of the in-process call path: counts the CPU instructions of a fixed
 * number of `app.client(svc).echo(input)` calls under `valgrind --tool=callgrind`, so a change can
 * be compared with the tree before it on a noisy, shared machine (instruction counts do not depend
 * on the neighbours; wall-clock times do).
 *
 * What runs under valgrind (the "driver", this file with `--driver`): Weft compiled from the chosen
 * tree (see weft-tree.mjs), `createApp(defineApp(...))` from the `weft` entry with one service and
 * no store, production mode, logging silent; started; then, in one go with no await on I/O or
 * timers (every call settles through microtasks), `--warmup` calls and then `--calls` calls, then
 * `process.exit(0)`. Each run is made twice, with `--calls N` and with `--calls 0`: the
 * difference is the N calls alone (start-up, warm-up and exit cancel out). Node runs with
 * `--single-threaded` (no background compiler or GC threads), `--predictable-gc-schedule` and
 * fixed hash and random seeds, so repeated runs count (nearly) the same.
 *
 * Usage (from anywhere; needs valgrind, and the tree's root node_modules, not bench/'s):
 *
 *   node bench/callgrind-calls.mjs [--tree <dir>] [--calls 100000] [--warmup 20000] [--runs 3] [--max-per-call N] [--json <file>]
 *
 * `--tree` (or `WEFT_TREE`) is the checkout to measure, default this repo. Prints one line per
 * run and a summary: instructions per call, median and min–max over the runs. With
 * `--max-per-call`, exits 1 when the median is over N (the guard: bench/RESULTS.md gives the
 * limit, 5% over the figure before issue 11's redesign).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  buildTree,
  chosenTree,
  guardApp,
  importWeft,
  median,
  option,
  PAYLOAD,
  treeState,
} from "./weft-tree.mjs";

/** Node flags of the driver: what keeps repeated runs' counts together. */
export const NODE_FLAGS = [
  "--single-threaded",
  "--predictable-gc-schedule",
  "--hash-seed=1",
  "--random-seed=1",
];

/** The driver: runs under valgrind; `argv` = [built folder, warm-up calls, measured calls]. */
async function drive(out, warmup, calls) {
  const weft = await importWeft(out);
  const { contract, definition } = guardApp(weft, "guard");
  const app = weft.createApp(definition, {
    env: { NODE_ENV: "production", WEFT_LOG_LEVEL: "silent" },
  });
  await app.start();
  const client = app.client(contract);
  const answer = await client.echo(PAYLOAD);
  if (answer?.n !== 47) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
  for (let i = 0; i < warmup; i++) await client.echo(PAYLOAD);
  for (let i = 0; i < calls; i++) await client.echo(PAYLOAD);
  process.exit(0);
}

/** Instructions one driver run executed, as callgrind counts them (the `totals:` line). */
function countRun(out, warmup, calls) {
  const dir = mkdtempSync(join(tmpdir(), "weft-callgrind-"));
  const file = join(dir, "callgrind.out");
  try {
    execFileSync(
      "valgrind",
      [
        "--tool=callgrind",
        `--callgrind-out-file=${file}`,
        process.execPath,
        ...NODE_FLAGS,
        fileURLToPath(import.meta.url),
        "--driver",
        out,
        String(warmup),
        String(calls),
      ],
      { stdio: ["ignore", "inherit", "pipe"], maxBuffer: 64 * 1024 * 1024 },
    );
    const totals = readFileSync(file, "utf8").match(/^(?:totals|summary): (\d+)/m);
    if (totals === null) throw new Error(`no totals in ${file}`);
    return Number(totals[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(argv) {
  const tree = chosenTree(argv);
  const calls = Number(option(argv, "--calls", "100000"));
  const warmup = Number(option(argv, "--warmup", "20000"));
  const runs = Number(option(argv, "--runs", "3"));
  const json = option(argv, "--json", undefined);
  const maxPerCall = Number(option(argv, "--max-per-call", "Infinity"));
  if (!(calls > 0 && warmup >= 0 && runs > 0))
    throw new Error("--calls, --warmup, --runs: positive numbers");
  const out = buildTree(tree);
  console.log(`tree ${tree} ${JSON.stringify(treeState(tree))}`);
  console.log(
    `node ${process.version} ${NODE_FLAGS.join(" ")}; ${warmup} warm-up calls, ${calls} measured`,
  );
  const results = [];
  for (let r = 1; r <= runs; r++) {
    const base = countRun(out, warmup, 0);
    const full = countRun(out, warmup, calls);
    const perCall = (full - base) / calls;
    results.push({ base, full, perCall });
    console.log(
      `run ${r}: ${full} − ${base} = ${full - base} instructions, ${perCall.toFixed(1)} per call`,
    );
  }
  const per = results.map((r) => r.perCall);
  const [lo, hi] = [Math.min(...per), Math.max(...per)];
  const mid = median(per);
  console.log(
    `instructions per call: median ${mid.toFixed(1)}, min ${lo.toFixed(1)}, max ${hi.toFixed(1)} ` +
      `(spread ${(((hi - lo) / mid) * 100).toFixed(2)}%) over ${runs} runs`,
  );
  if (json !== undefined) {
    const report = {
      benchmark: "callgrind-calls",
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      tree,
      source: treeState(tree),
      flags: NODE_FLAGS,
      warmup,
      calls,
      runs: results,
      perCall: { median: mid, min: lo, max: hi },
    };
    writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  }
  rmSync(out, { recursive: true, force: true });
  if (mid > maxPerCall) {
    console.error(
      `instructions per call: median ${mid.toFixed(1)} is over the limit ${maxPerCall}`,
    );
    process.exit(1);
  }
  if (Number.isFinite(maxPerCall)) console.log(`within the limit of ${maxPerCall} per call`);
}

const argv = process.argv.slice(2);
if (argv[0] === "--driver") await drive(argv[1], Number(argv[2]), Number(argv[3]));
else await main(argv);
