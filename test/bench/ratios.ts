// The goals of issue 10 as one table at the end of `npm run bench`: each
// gateway figure beside its ceiling measured in the same run, the ratio, and
// the share it should reach.

import type { LoadResult } from './load-generator.js';

interface Ratio {
  readonly figure: string;
  readonly gateway: LoadResult;
  readonly ceilingName: string;
  readonly ceiling: LoadResult;
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
  ratios.push({ figure, gateway, ceilingName, ceiling, goal });
}

export function ratioTable(): string[] {
  if (ratios.length === 0) return [];
  const k = (n: number): string => `${Math.round(n / 1000).toLocaleString('en-US')}k`;
  const perCore = (r: LoadResult): number => r.opsPerSecond / r.serverCores;
  const rows = ratios.map((r) => {
    const share = r.gateway.opsPerSecond / r.ceiling.opsPerSecond;
    const coreShare = perCore(r.gateway) / perCore(r.ceiling);
    const cores = Number.isFinite(coreShare) ? `${(100 * coreShare).toFixed(0)}%` : 'n/a';
    return `| ${r.figure} | ${k(r.gateway.opsPerSecond)} | ${r.ceilingName} | ${k(r.ceiling.opsPerSecond)} | ${(100 * share).toFixed(0)}% | ${cores} | ≥${(100 * r.goal).toFixed(0)}% ${share >= r.goal ? 'met' : 'MISSED'} |`;
  });
  return [
    '',
    '| figure | gateway /s | ceiling | ceiling /s | ratio | per core | goal |',
    '| --- | ---: | --- | ---: | ---: | ---: | --- |',
    ...rows,
  ];
}
