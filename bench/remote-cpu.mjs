/**
 * CPU time per remote call over NATS, caller and callee together: the companion of
 * callgrind-calls.mjs for the remote path, to compare a change with the tree before it.
 *
 * A child process (this file with `--serve`) runs the guards' app (see weft-tree.mjs) with
 * `WEFT_NATS_URL` set; this process runs the same definition with `clientOnly: true` and calls
 * `app.client(svc).echo(input)`. After a warm-up, each of `--reps` repetitions makes `--calls`
 * calls with `--concurrency` (64) in flight, then each makes `--sequential-calls` calls one at a
 * time, and reads `process.cpuUsage()` (user + system) in both processes before and after: CPU µs
 * per call = (caller's + callee's CPU time) / calls. Sequential calls mostly cost the wake-ups of
 * two idle processes (a raw nats.js round trip costs nearly as much), so the 64-in-flight figure is
 * the one that shows Weft's own cost; both are printed, each repetition and the median with
 * min–max. Every run uses its own app name, so it can share a NATS server with
 * tests. Wall time is printed for information only (the machine is shared).
 *
 * Usage (needs a NATS server; the tree's root node_modules, not bench/'s):
 *
 *   node bench/remote-cpu.mjs [--tree <dir>] [--calls 20000] [--concurrency 64] [--sequential-calls 3000] [--warmup 10000] [--reps 5] [--nats nats://127.0.0.1:4222] [--json <file>]
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
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

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

/** Environment of both sides' createApp: production, silent, this run's NATS server. */
const appEnv = (natsUrl) => ({
  NODE_ENV: "production",
  WEFT_LOG_LEVEL: "silent",
  WEFT_NATS_URL: natsUrl,
});

/** The callee: serves the app; answers `cpu` with its CPU µs; stops on `stop` or disconnect. */
async function serve(out, name, natsUrl) {
  process.on("disconnect", () => process.exit(0));
  const weft = await importWeft(out);
  const app = weft.createApp(guardApp(weft, name).definition, { env: appEnv(natsUrl) });
  await app.start();
  process.on("message", (m) => {
    if (m.type === "cpu") process.send({ type: "cpu", id: m.id, micros: cpuMicros() });
    else if (m.type === "stop") app.stop({ grace: 2000 }).finally(() => process.exit(0));
  });
  process.send({ type: "ready" });
}

/** Sends a message to the child and waits for its answer of the same type. */
function ask(child, message) {
  return new Promise((resolve, reject) => {
    const onMessage = (m) => {
      if (m.type !== message.type || m.id !== message.id) return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve(m);
    };
    const onExit = (code) => reject(new Error(`the callee exited (${code})`));
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send(message);
  });
}

/** Makes `calls` calls with up to `inFlight` of them outstanding. */
async function batch(call, calls, inFlight) {
  let started = 0;
  const worker = async () => {
    while (started < calls) {
      started++;
      await call();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, calls) }, worker));
}

async function main(argv) {
  const tree = chosenTree(argv);
  const calls = Number(option(argv, "--calls", "20000"));
  const sequentialCalls = Number(option(argv, "--sequential-calls", "3000"));
  const concurrency = Number(option(argv, "--concurrency", "64"));
  const warmup = Number(option(argv, "--warmup", "10000"));
  const reps = Number(option(argv, "--reps", "5"));
  const natsUrl = option(argv, "--nats", process.env.WEFT_NATS_URL ?? "nats://127.0.0.1:4222");
  const json = option(argv, "--json", undefined);
  const out = buildTree(tree, "remote");
  const name = `cpuguard${randomBytes(4).toString("hex")}`;
  console.log(`tree ${tree} ${JSON.stringify(treeState(tree))}`);
  console.log(
    `node ${process.version}; app ${name} on ${natsUrl}; ${warmup} warm-up calls; ${reps} repetitions of ${calls} calls ${concurrency} in flight, then of ${sequentialCalls} one at a time`,
  );

  const child = fork(fileURLToPath(import.meta.url), ["--serve", out, name, natsUrl], {
    stdio: "inherit",
  });
  const weft = await importWeft(out);
  const { contract, definition } = guardApp(weft, name);
  const app = weft.createApp(definition, { env: appEnv(natsUrl), clientOnly: true });
  const modes = [
    { name: `${concurrency} in flight`, inFlight: concurrency, calls },
    { name: "sequential", inFlight: 1, calls: sequentialCalls },
  ];
  const results = {};
  try {
    await new Promise((resolve, reject) => {
      child.once("message", (m) =>
        m.type === "ready" ? resolve() : reject(new Error(JSON.stringify(m))),
      );
      child.once("exit", (code) => reject(new Error(`the callee exited (${code})`)));
    });
    await app.start();
    const client = app.client(contract);
    const answer = await client.echo(PAYLOAD);
    if (answer?.n !== 47) throw new Error(`unexpected answer ${JSON.stringify(answer)}`);
    await batch(() => client.echo(PAYLOAD), warmup, concurrency);
    let id = 0;
    for (const mode of modes) {
      results[mode.name] = [];
      for (let r = 1; r <= reps; r++) {
        const calleeBefore = (await ask(child, { type: "cpu", id: ++id })).micros;
        const callerBefore = cpuMicros();
        const start = performance.now();
        await batch(() => client.echo(PAYLOAD), mode.calls, mode.inFlight);
        const wall = performance.now() - start;
        const caller = cpuMicros() - callerBefore;
        const callee = (await ask(child, { type: "cpu", id: ++id })).micros - calleeBefore;
        const n = mode.calls;
        const row = {
          callerUs: caller / n,
          calleeUs: callee / n,
          totalUs: (caller + callee) / n,
          wallUs: (wall * 1000) / n,
        };
        results[mode.name].push(row);
        console.log(
          `${mode.name}, rep ${r}: ${row.totalUs.toFixed(1)} µs CPU per call (caller ${row.callerUs.toFixed(1)}, callee ${row.calleeUs.toFixed(1)}); wall ${row.wallUs.toFixed(1)} µs`,
        );
      }
    }
  } finally {
    await app.stop().catch(() => {});
    child.send({ type: "stop" });
  }
  const summary = {};
  for (const mode of modes) {
    summary[mode.name] = {};
    for (const key of ["totalUs", "callerUs", "calleeUs"]) {
      const xs = results[mode.name].map((r) => r[key]);
      summary[mode.name][key] = { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
    }
    const { totalUs: t, callerUs, calleeUs } = summary[mode.name];
    console.log(
      `${mode.name}: CPU µs per remote call (caller + callee): median ${t.median.toFixed(1)}, min ${t.min.toFixed(1)}, max ${t.max.toFixed(1)} over ${reps} repetitions` +
        ` (caller median ${callerUs.median.toFixed(1)}, callee median ${calleeUs.median.toFixed(1)})`,
    );
  }
  if (json !== undefined)
    writeFileSync(
      json,
      `${JSON.stringify({ benchmark: "remote-cpu", date: new Date().toISOString(), node: process.version, cpus: cpus().length, tree, source: treeState(tree), warmup, modes, reps, results, summary }, null, 2)}\n`,
    );
}

const argv = process.argv.slice(2);
if (argv[0] === "--serve") await serve(argv[1], argv[2], argv[3]);
else await main(argv);
