// The measured part of every load run: a warm-up, then a window in which the
// generator counts, and the CPU the servers and the generator used in it.

import type { LatencyHistogram } from './latency-histogram.js';
import type { LoadResult } from './load-generator.js';
import { cpuSeconds } from './process-cpu.js';

export interface WindowOptions {
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Processes whose CPU use over the window is reported (the servers). */
  readonly watchPids?: readonly number[];
}

/** What the generator counted in the window. */
export interface Counts {
  readonly ops: number;
  readonly unexpected: number;
  readonly histogram: LatencyHistogram;
}

/**
 * Waits out the warm-up, calls `setMeasuring(true)` for the window, then
 * `stop()` (the generator closes its sockets), and turns the counts into a result.
 */
export async function measureWindow(
  options: WindowOptions,
  setMeasuring: (on: boolean) => void,
  counts: () => Counts,
  stop: () => void,
): Promise<LoadResult> {
  await sleep(options.warmupMs);
  const pids = options.watchPids ?? [];
  const serverCpu = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const cpuBefore = serverCpu();
  const selfBefore = process.cpuUsage();
  setMeasuring(true);
  const start = performance.now();
  await sleep(options.durationMs);
  setMeasuring(false);
  const elapsed = performance.now() - start;
  const cpuAfter = serverCpu();
  const self = process.cpuUsage(selfBefore);
  stop();
  const { ops, unexpected, histogram } = counts();
  return {
    ops,
    opsPerSecond: ops / (elapsed / 1000),
    p50Micros: histogram.quantile(0.5),
    p99Micros: histogram.quantile(0.99),
    unexpected,
    serverCores: (cpuAfter - cpuBefore) / (elapsed / 1000),
    clientCores: (self.user + self.system) / 1000 / elapsed,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
