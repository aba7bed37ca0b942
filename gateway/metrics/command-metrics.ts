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

export const TRANSPORTS = [Transport.Tcp, Transport.Ws, Transport.Http] as const;
export const OPS = [Op.Get, Op.Exists, Op.Store, Op.Ping, Op.Quit, Op.Http, Op.Invalid, Op.Auth] as const;
export const OUTCOMES = [
  Outcome.Hit,
  Outcome.Miss,
  Outcome.Present,
  Outcome.Absent,
  Outcome.Stored,
  Outcome.Exists,
  Outcome.Refused,
  Outcome.Failed,
  Outcome.Ok,
  Outcome.Invalid,
  Outcome.Error,
  Outcome.Denied,
  Outcome.RateLimited,
] as const;

// Positions in the lists above, as switches: V8 compares the interned strings
// by identity, about three times faster than a keyed object lookup.
export function transportIndex(transport: Transport): number {
  switch (transport) {
    case Transport.Tcp:
      return 0;
    case Transport.Ws:
      return 1;
    case Transport.Http:
      return 2;
  }
}

export function opIndex(op: Op): number {
  switch (op) {
    case Op.Get:
      return 0;
    case Op.Exists:
      return 1;
    case Op.Store:
      return 2;
    case Op.Ping:
      return 3;
    case Op.Quit:
      return 4;
    case Op.Http:
      return 5;
    case Op.Invalid:
      return 6;
    case Op.Auth:
      return 7;
  }
}

export function outcomeIndex(outcome: Outcome): number {
  switch (outcome) {
    case Outcome.Hit:
      return 0;
    case Outcome.Miss:
      return 1;
    case Outcome.Present:
      return 2;
    case Outcome.Absent:
      return 3;
    case Outcome.Stored:
      return 4;
    case Outcome.Exists:
      return 5;
    case Outcome.Refused:
      return 6;
    case Outcome.Failed:
      return 7;
    case Outcome.Ok:
      return 8;
    case Outcome.Invalid:
      return 9;
    case Outcome.Error:
      return 10;
    case Outcome.Denied:
      return 11;
    case Outcome.RateLimited:
      return 12;
  }
}

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
  /** Timed commands only. Index: (transport * OPS + op) * BUCKETS + bucket. */
  private readonly buckets = new Float64Array(TRANSPORTS.length * OPS.length * BUCKETS);
  private readonly sums = new Float64Array(TRANSPORTS.length * OPS.length);

  observe(transport: Transport, op: Op, outcome: Outcome, seconds: number | null): void {
    const series = transportIndex(transport) * OPS.length + opIndex(op);
    const at = series * OUTCOMES.length + outcomeIndex(outcome);
    this.counts[at] = (this.counts[at] as number) + 1;
    // Untimed commands are not counted again: the first bucket gets them at scrape time.
    if (seconds === null) return;
    let bucket = 0;
    while (bucket < LATENCY_BOUNDS.length && seconds > (LATENCY_BOUNDS[bucket] as number)) bucket++;
    const slot = series * BUCKETS + bucket;
    this.buckets[slot] = (this.buckets[slot] as number) + 1;
    this.sums[series] = (this.sums[series] as number) + seconds;
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
      let timed = 0;
      for (let b = 0; b < BUCKETS; b++) timed += this.buckets[series * BUCKETS + b] as number;
      let commands = 0;
      for (let o = 0; o < OUTCOMES.length; o++) commands += this.counts[series * OUTCOMES.length + o] as number;
      let total = commands - timed;
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
