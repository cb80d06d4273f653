/**
 * Runs every benchmark in turn (`npm run bench`), prints each one's table and writes its
 * machine-readable results to `bench/results/<name>.json`. BENCH_* variables tune the harness
 * (see README.md).
 */
import { eventsOptionsFromEnv, formatEvents, runEvents } from "./events.js";
import { formatGateway, gatewayOptionsFromEnv, runGateway } from "./gateway.js";
import { formatInProcessCalls, runInProcessCalls } from "./in-process-calls.js";
import { optionsFromEnv, writeReport } from "./measure.js";
import { formatRemoteCalls, runRemoteCalls } from "./remote-calls.js";
import { formatWorkflows, runWorkflows, workflowOptionsFromEnv } from "./workflows.js";

const benchmarks = [
  {
    name: "in-process-calls",
    run: async () => {
      const report = await runInProcessCalls(optionsFromEnv());
      return { report, table: formatInProcessCalls(report) };
    },
  },
  {
    name: "remote-calls",
    run: async () => {
      const report = await runRemoteCalls(optionsFromEnv());
      return { report, table: formatRemoteCalls(report) };
    },
  },
  {
    name: "workflows",
    run: async () => {
      const report = await runWorkflows(workflowOptionsFromEnv());
      return { report, table: formatWorkflows(report) };
    },
  },
  {
    name: "gateway",
    run: async () => {
      const report = await runGateway(gatewayOptionsFromEnv());
      return { report, table: formatGateway(report) };
    },
  },
  {
    name: "events",
    run: async () => {
      const report = await runEvents(eventsOptionsFromEnv());
      return { report, table: formatEvents(report) };
    },
  },
];

if ((globalThis as { gc?: unknown }).gc === undefined) {
  process.stderr.write("note: run node with --expose-gc to get heap bytes per call\n");
}
for (const bench of benchmarks) {
  process.stderr.write(`${bench.name}…\n`);
  const { report, table } = await bench.run();
  console.log(`\n## ${bench.name}\n\n${table}\n`);
  console.log(`wrote ${writeReport(bench.name, report)}`);
}
