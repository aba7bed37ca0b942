// The gateway's Prometheus metrics: commands by transport, command and
// outcome with latency histograms, open connections by transport, hook calls
// by hook and outcome, and the process defaults of prom-client.

import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';
import { Outcome } from '../../core/command-observer.js';
import { Op } from '../../core/protocol/command.js';
import { type Transport, Transport as Transports } from '../../core/validation/validation.js';
import type { HookOutcome, ValidationObserver } from '../../core/validation/validation-observer.js';
import type { HelperObserver, HelperPoolView } from '../../core/validators/helper/helper-observer.js';
import { CommandMetrics, LATENCY_BOUNDS } from './command-metrics.js';
import { HOOK_BOUNDS, HookMetrics } from './hook-metrics.js';

/** Open connections of one transport (`http`: sockets, keep-alive ones included). */
export type ConnectionCount = (transport: Transport) => number;

export class GatewayMetrics implements ValidationObserver, HelperObserver {
  readonly registry = new Registry();
  /** The CommandObserver every transport reports to. */
  readonly commands = new CommandMetrics();
  private readonly hooks = new HookMetrics();
  private readonly helperPools: HelperPoolView[] = [];

  /** `clientMemory`: bytes held for TCP and WebSocket clients (see --max-client-memory). */
  constructor(openConnections: ConnectionCount, clientMemory: () => number = () => 0) {
    const registers = [this.registry];
    const commands = this.commands;
    new Counter({
      name: 'jnhp_commands_total',
      help: 'Commands answered, by transport, command and outcome',
      labelNames: ['transport', 'command', 'outcome'],
      registers,
      collect() {
        this.reset();
        commands.forEachCount((transport, command, outcome, count) => this.inc({ transport, command, outcome }, count));
      },
    });
    // A failed AUTH, a bad bearer token on REST or at a WebSocket upgrade: counted as AUTH refused.
    new Counter({
      name: 'jnhp_auth_failures_total',
      help: 'Failed authentications (AUTH, bearer tokens), by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        commands.forEachCount((transport, command, outcome, count) => {
          if (command === Op.Auth && outcome === Outcome.Refused) this.inc({ transport }, count);
        });
      },
    });
    this.registry.registerMetric(
      countedHistogram(
        'jnhp_command_duration_seconds',
        'Command latency, by transport and command; commands answered synchronously count in the first bucket',
        LATENCY_BOUNDS,
        () => commands.latencySeries().map((s) => ({ ...s, labels: { transport: s.transport, command: s.command } })),
      ),
    );
    new Gauge({
      name: 'jnhp_open_connections',
      help: 'Open client connections, by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        for (const transport of Object.values(Transports)) this.set({ transport }, openConnections(transport));
      },
    });
    new Gauge({
      name: 'jnhp_client_memory_bytes',
      help: 'Unfinished input and unsent replies held for TCP and WebSocket clients (see --max-client-memory)',
      registers,
      collect() {
        this.set(clientMemory());
      },
    });
    const hooks = this.hooks;
    new Counter({
      name: 'jnhp_validator_calls_total',
      help: 'Validator hook calls, by hook and outcome',
      labelNames: ['hook', 'outcome'],
      registers,
      collect() {
        this.reset();
        hooks.forEachCount((hook, outcome, count) => this.inc({ hook, outcome }, count));
      },
    });
    this.registry.registerMetric(
      countedHistogram(
        'jnhp_validator_duration_seconds',
        'Validator hook call latency, queue included',
        HOOK_BOUNDS,
        () => hooks.latencies().map((s) => ({ ...s, labels: { hook: s.hook } })),
      ),
    );
    const pools = this.helperPools;
    new Counter({
      name: 'jnhp_validator_helper_restarts_total',
      help: 'Restarts of each helper process, by hook and process',
      labelNames: ['hook', 'process'],
      registers,
      collect() {
        this.reset();
        forEachHelper(pools, (labels, pool, i) => this.inc(labels, pool.restarts(i)));
      },
    });
    new Gauge({
      name: 'jnhp_validator_helper_in_flight',
      help: 'Requests sent to each helper process and not answered yet, by hook and process',
      labelNames: ['hook', 'process'],
      registers,
      collect() {
        forEachHelper(pools, (labels, pool, i) => this.set(labels, pool.inFlight(i)));
      },
    });
    collectDefaultMetrics({ register: this.registry });
  }

  poolStarted(pool: HelperPoolView): void {
    this.helperPools.push(pool);
  }

  hookSettled(hook: string, outcome: HookOutcome, seconds: number): void {
    this.hooks.hookSettled(hook, outcome, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}

function forEachHelper(
  pools: readonly HelperPoolView[],
  visit: (labels: { hook: string; process: string }, pool: HelperPoolView, index: number) => void,
): void {
  for (const pool of pools) for (let i = 0; i < pool.size; i++) visit({ hook: pool.hook, process: String(i) }, pool, i);
}

interface CountedSeries {
  readonly labels: Record<string, string>;
  /** Cumulative counts, one per bound. */
  readonly cumulative: readonly number[];
  readonly count: number;
  readonly sum: number;
}

/**
 * A histogram whose buckets were already counted (CommandMetrics,
 * HookMetrics): prom-client's own Histogram can only be fed one observation
 * at a time, so this hands the registry finished values, in the shape its
 * `get()` returns.
 */
function countedHistogram(
  name: string,
  help: string,
  bounds: readonly number[],
  series: () => readonly CountedSeries[],
): Metric {
  const metric = {
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    collect: () => {},
    reset: () => {},
    get: async () => {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      for (const s of series()) {
        const { labels } = s;
        s.cumulative.forEach((value, i) => {
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: bounds[i] as number }, value });
        });
        values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels, value: s.sum });
        values.push({ metricName: `${name}_count`, labels, value: s.count });
      }
      return { name, help: metric.help, type: metric.type, aggregator: metric.aggregator, values };
    },
  };
  return metric as unknown as Metric;
}
