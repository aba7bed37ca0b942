// The goals of issue 10 as one table at the end of `npm run bench`: each
// gateway figure beside its ceiling measured in the same run, the ratio, and
// the share it should reach.

import type { LoadResult } from './load-generator.js';

interface Ratio {
  readonly figure: string;
  readonly gateway: number;
  readonly ceilingName: string;
  readonly ceiling: number;
  /** The least share of the ceiling the figure should reach (0.5 = 50%). */
  readonly goal: number;
}

const ratios: Ratio[] = [];

export function recordRatio(
  figure: string,
  gateway: LoadResult,
  ceilingName: string,
  ceiling: LoadResult,
  goal: number,
): void {
  ratios.push({ figure, gateway: gateway.opsPerSecond, ceilingName, ceiling: ceiling.opsPerSecond, goal });
}

export function ratioTable(): string[] {
  if (ratios.length === 0) return [];
  const k = (n: number): string => `${Math.round(n / 1000).toLocaleString('en-US')}k`;
  const rows = ratios.map((r) => {
    const share = r.gateway / r.ceiling;
    return `| ${r.figure} | ${k(r.gateway)} | ${r.ceilingName} | ${k(r.ceiling)} | ${(100 * share).toFixed(0)}% | ≥${(100 * r.goal).toFixed(0)}% ${share >= r.goal ? 'met' : 'MISSED'} |`;
  });
  return [
    '',
    '| figure | gateway /s | ceiling | ceiling /s | ratio | goal |',
    '| --- | ---: | --- | ---: | ---: | --- |',
    ...rows,
  ];
}
