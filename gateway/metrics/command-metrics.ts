// Counts every command in plain arrays indexed by transport, command and
// outcome: `observe` runs once per command on the hottest path, so it only
// adds to a slot. prom-client reads the arrays at scrape time.

import { type CommandObserver, Outcome } from '../../core/command-observer.js';
import { Op } from '../../core/protocol/command.js';
import { Transport } from '../../core/validation/validation.js';

/** Latency bucket upper bounds, in seconds. Untimed (synchronous) commands count in the first. */
export const LATENCY_BOUNDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

export const TRANSPORTS = Object.values(Transport);
export const OPS = Object.values(Op);
export const OUTCOMES = Object.values(Outcome);

const indexOf = <T extends string>(values: readonly T[]): Record<T, number> =>
  Object.fromEntries(values.map((v, i) => [v, i])) as Record<T, number>;

const TRANSPORT_INDEX = indexOf(TRANSPORTS);
const OP_INDEX = indexOf(OPS);
const OUTCOME_INDEX = indexOf(OUTCOMES);
/** Buckets per series: one per bound, and one past the last. */
const BUCKETS = LATENCY_BOUNDS.length + 1;

/** One (transport, command) latency series as prom-client wants it. */
export interface LatencySeries {
  readonly transport: string;
  readonly command: string;
  /** Cumulative counts, one per bound of LATENCY_BOUNDS. */
  readonly cumulative: number[];
  readonly count: number;
  readonly sum: number;
}

export class CommandMetrics implements CommandObserver {
  /** Index: (transport * OPS + op) * OUTCOMES + outcome. */
  private readonly counts = new Float64Array(TRANSPORTS.length * OPS.length * OUTCOMES.length);
  /** Index: (transport * OPS + op) * BUCKETS + bucket. */
  private readonly buckets = new Float64Array(TRANSPORTS.length * OPS.length * BUCKETS);
  private readonly sums = new Float64Array(TRANSPORTS.length * OPS.length);

  observe(transport: Transport, op: Op, outcome: Outcome, seconds: number | null): void {
    const series = TRANSPORT_INDEX[transport] * OPS.length + OP_INDEX[op];
    const at = series * OUTCOMES.length + OUTCOME_INDEX[outcome];
    this.counts[at] = (this.counts[at] as number) + 1;
    let bucket = 0;
    if (seconds !== null) {
      while (bucket < LATENCY_BOUNDS.length && seconds > (LATENCY_BOUNDS[bucket] as number)) bucket++;
      this.sums[series] = (this.sums[series] as number) + seconds;
    }
    const slot = series * BUCKETS + bucket;
    this.buckets[slot] = (this.buckets[slot] as number) + 1;
  }

  /** Calls `visit` for every (transport, command, outcome) counted at least once. */
  forEachCount(visit: (transport: Transport, command: Op, outcome: Outcome, count: number) => void): void {
    const counts = this.counts;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i] as number;
      if (count === 0) continue;
      const outcome = i % OUTCOMES.length;
      const series = (i - outcome) / OUTCOMES.length;
      const op = series % OPS.length;
      const transport = (series - op) / OPS.length;
      visit(TRANSPORTS[transport] as Transport, OPS[op] as Op, OUTCOMES[outcome] as Outcome, count);
    }
  }

  /** Every (transport, command) latency series with at least one command. */
  latencySeries(): LatencySeries[] {
    const result: LatencySeries[] = [];
    for (let series = 0; series < TRANSPORTS.length * OPS.length; series++) {
      const cumulative: number[] = [];
      let total = 0;
      for (let b = 0; b < BUCKETS; b++) {
        total += this.buckets[series * BUCKETS + b] as number;
        if (b < LATENCY_BOUNDS.length) cumulative.push(total);
      }
      if (total === 0) continue;
      const op = series % OPS.length;
      result.push({
        transport: TRANSPORTS[(series - op) / OPS.length] as string,
        command: OPS[op] as string,
        cumulative,
        count: total,
        sum: this.sums[series] as number,
      });
    }
    return result;
  }
}
