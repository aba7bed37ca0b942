// Counts hook calls by hook and outcome, with a latency histogram by hook, in
// plain arrays: `hookSettled` runs for every validated STORE, so it only adds
// to slots (prom-client's labelled `inc` and `observe` hash their labels on
// every call). The registry reads the arrays at scrape time.

import { HookOutcome, type ValidationObserver } from '../../core/validation/validation-observer.js';

export const HOOK_BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
const HOOK_OUTCOMES = Object.values(HookOutcome);

function outcomeIndex(outcome: HookOutcome): number {
  switch (outcome) {
    case HookOutcome.Allow:
      return 0;
    case HookOutcome.Refuse:
      return 1;
    case HookOutcome.Error:
      return 2;
    case HookOutcome.Timeout:
      return 3;
    case HookOutcome.Overloaded:
      return 4;
  }
}

class HookSeries {
  readonly counts = new Float64Array(HOOK_OUTCOMES.length);
  /** Non-cumulative: one per bound of HOOK_BOUNDS, and one past the last. */
  readonly buckets = new Float64Array(HOOK_BOUNDS.length + 1);
  sum = 0;
}

/** One hook's latency histogram as prom-client wants it. */
export interface HookLatency {
  readonly hook: string;
  /** Cumulative counts, one per bound of HOOK_BOUNDS. */
  readonly cumulative: number[];
  readonly count: number;
  readonly sum: number;
}

export class HookMetrics implements ValidationObserver {
  private readonly series = new Map<string, HookSeries>();

  hookSettled(hook: string, outcome: HookOutcome, seconds: number): void {
    let series = this.series.get(hook);
    if (series === undefined) {
      series = new HookSeries();
      this.series.set(hook, series);
    }
    const at = outcomeIndex(outcome);
    series.counts[at] = (series.counts[at] as number) + 1;
    let bucket = 0;
    while (bucket < HOOK_BOUNDS.length && seconds > (HOOK_BOUNDS[bucket] as number)) bucket++;
    series.buckets[bucket] = (series.buckets[bucket] as number) + 1;
    series.sum += seconds;
  }

  /** Calls `visit` for every (hook, outcome) counted at least once. */
  forEachCount(visit: (hook: string, outcome: HookOutcome, count: number) => void): void {
    for (const [hook, series] of this.series) {
      series.counts.forEach((count, i) => {
        if (count > 0) visit(hook, HOOK_OUTCOMES[i] as HookOutcome, count);
      });
    }
  }

  latencies(): HookLatency[] {
    return [...this.series].map(([hook, series]) => {
      const cumulative: number[] = [];
      let total = 0;
      series.buckets.forEach((count, i) => {
        total += count;
        if (i < HOOK_BOUNDS.length) cumulative.push(total);
      });
      return { hook, cumulative, count: total, sum: series.sum };
    });
  }
}
