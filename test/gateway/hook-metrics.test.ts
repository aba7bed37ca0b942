import { describe, expect, it } from 'vitest';
import { HOOK_BOUNDS, HookMetrics } from '../../gateway/metrics/hook-metrics.js';

describe('HookMetrics', () => {
  it('counts calls by hook and outcome, and only those that happened', () => {
    const metrics = new HookMetrics();
    metrics.hookSettled('a', 'allow', 0.001);
    metrics.hookSettled('a', 'allow', 0.002);
    metrics.hookSettled('a', 'timeout', 5);
    metrics.hookSettled('b', 'overloaded', 0);
    const counts: [string, string, number][] = [];
    metrics.forEachCount((hook, outcome, count) => counts.push([hook, outcome, count]));
    expect(counts).toEqual([
      ['a', 'allow', 2],
      ['a', 'timeout', 1],
      ['b', 'overloaded', 1],
    ]);
  });

  it('puts each latency in the first bucket whose bound it does not pass, cumulatively', () => {
    const metrics = new HookMetrics();
    for (const seconds of [0, 0.001, 0.0011, 0.3, 31]) metrics.hookSettled('a', 'allow', seconds);
    const [latency] = metrics.latencies();
    expect(latency?.count).toBe(5);
    expect(latency?.sum).toBeCloseTo(31.3021);
    const at = (bound: number): number | undefined => latency?.cumulative[HOOK_BOUNDS.indexOf(bound as never)];
    expect([at(0.001), at(0.005), at(0.25), at(0.5), at(30)]).toEqual([2, 3, 3, 4, 4]);
  });
});
