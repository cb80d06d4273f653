/**
 * Process metrics, read at scrape time: resident memory, heap, CPU time, start time and uptime,
 * and event loop delay (measured by Node's `monitorEventLoopDelay`, reset at each scrape so the
 * figures describe the interval since the last one).
 */
import { type IntervalHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import type { Metrics } from "./registry.js";

/** Registers the process metrics; returns a function that stops the event loop monitor. */
export function registerProcessMetrics(metrics: Metrics): () => void {
  const rss = metrics.gauge("process_resident_memory_bytes", "Resident memory size in bytes.");
  const heap = metrics.gauge("nodejs_heap_used_bytes", "V8 heap used, in bytes.");
  const cpu = metrics.counter(
    "process_cpu_seconds_total",
    "User and system CPU time spent, in seconds.",
  );
  const start = metrics.gauge(
    "process_start_time_seconds",
    "Start time of the process since the Unix epoch, in seconds.",
  );
  const uptime = metrics.gauge("process_uptime_seconds", "Seconds since the process started.");
  const lag = metrics.gauge(
    "nodejs_eventloop_lag_seconds",
    "Mean event loop delay since the previous scrape, in seconds.",
  );
  const lagP99 = metrics.gauge(
    "nodejs_eventloop_lag_p99_seconds",
    "99th percentile of the event loop delay since the previous scrape, in seconds.",
  );
  const lagMax = metrics.gauge(
    "nodejs_eventloop_lag_max_seconds",
    "Longest event loop delay since the previous scrape, in seconds.",
  );
  let monitor: IntervalHistogram | undefined = monitorEventLoopDelay({ resolution: 20 });
  monitor.enable();
  const startSeconds = performance.timeOrigin / 1000;
  let cpuCounted = 0;
  metrics.onCollect(() => {
    const memory = process.memoryUsage();
    rss.set(undefined, memory.rss);
    heap.set(undefined, memory.heapUsed);
    const usage = process.cpuUsage();
    const cpuSeconds = (usage.user + usage.system) / 1e6;
    cpu.inc(undefined, Math.max(0, cpuSeconds - cpuCounted));
    cpuCounted = Math.max(cpuCounted, cpuSeconds);
    start.set(undefined, Math.round(startSeconds));
    uptime.set(undefined, process.uptime());
    if (monitor !== undefined && monitor.count > 0) {
      lag.set(undefined, monitor.mean / 1e9);
      lagP99.set(undefined, monitor.percentile(99) / 1e9);
      lagMax.set(undefined, monitor.max / 1e9);
      monitor.reset();
    }
  });
  return () => {
    monitor?.disable();
    monitor = undefined;
  };
}
