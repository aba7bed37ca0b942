import { describe, expect, it } from 'vitest';
import { Outcome } from '../../core/command-observer.js';
import { Op } from '../../core/protocol/command.js';
import { Transport } from '../../core/validation/validation.js';
import { HookOutcome } from '../../core/validation/validation-observer.js';
import {
  CommandMetrics,
  LATENCY_BOUNDS,
  OPS,
  OUTCOMES,
  opIndex,
  outcomeIndex,
  TRANSPORTS,
  transportIndex,
} from '../../gateway/metrics/command-metrics.js';
import { GatewayMetrics } from '../../gateway/metrics/gateway-metrics.js';

describe('CommandMetrics', () => {
  it('gives every transport, command and outcome its own slot, matching its label', () => {
    expect([...TRANSPORTS].sort()).toEqual(Object.values(Transport).sort());
    expect([...OPS].sort()).toEqual(Object.values(Op).sort());
    expect([...OUTCOMES].sort()).toEqual(Object.values(Outcome).sort());
    for (const t of Object.values(Transport)) expect(TRANSPORTS[transportIndex(t)]).toBe(t);
    for (const op of Object.values(Op)) expect(OPS[opIndex(op)]).toBe(op);
    for (const o of Object.values(Outcome)) expect(OUTCOMES[outcomeIndex(o)]).toBe(o);
  });

  it('counts each (transport, command, outcome) in its own slot', () => {
    const m = new CommandMetrics();
    m.observe(Transport.Tcp, Op.Get, Outcome.Hit, null);
    m.observe(Transport.Tcp, Op.Get, Outcome.Hit, null);
    m.observe(Transport.Ws, Op.Get, Outcome.Hit, null);
    m.observe(Transport.Http, Op.Store, Outcome.Refused, 0.2);
    const seen: string[] = [];
    m.forEachCount((t, op, outcome, n) => seen.push(`${t} ${op} ${outcome} ${n}`));
    expect(seen.sort()).toEqual(['http STORE refused 1', 'tcp GET hit 2', 'ws GET hit 1']);
  });

  it('counts an untimed command in the first latency bucket and a timed one where it falls', () => {
    const m = new CommandMetrics();
    m.observe(Transport.Tcp, Op.Store, Outcome.Stored, null);
    m.observe(Transport.Tcp, Op.Store, Outcome.Stored, 0.003);
    m.observe(Transport.Tcp, Op.Store, Outcome.Error, 60);
    const [series] = m.latencySeries();
    expect(series).toMatchObject({ transport: 'tcp', command: 'STORE', count: 3 });
    expect(series?.sum).toBeCloseTo(60.003);
    const at = (bound: number): number | undefined => series?.cumulative[LATENCY_BOUNDS.indexOf(bound as never)];
    expect(at(0.0001)).toBe(1);
    expect(at(0.0025)).toBe(1);
    expect(at(0.005)).toBe(2);
    expect(at(10)).toBe(2);
  });
});

describe('GatewayMetrics', () => {
  it('renders commands, latency buckets, connections and hook calls in the Prometheus text format', async () => {
    const metrics = new GatewayMetrics((t) => (t === Transport.Ws ? 3 : 0));
    metrics.commands.observe(Transport.Ws, Op.Exists, Outcome.Present, null);
    metrics.commands.observe(Transport.Ws, Op.Exists, Outcome.Present, 0.0004);
    metrics.hookSettled('module:check.mjs', HookOutcome.Refuse, 0.01);
    const text = await metrics.render();
    expect(text).toContain('jnhp_commands_total{transport="ws",command="EXISTS",outcome="present"} 2');
    expect(text).toContain('jnhp_command_duration_seconds_bucket{transport="ws",command="EXISTS",le="0.0001"} 1');
    expect(text).toContain('jnhp_command_duration_seconds_bucket{transport="ws",command="EXISTS",le="0.0005"} 2');
    expect(text).toContain('jnhp_command_duration_seconds_bucket{transport="ws",command="EXISTS",le="+Inf"} 2');
    expect(text).toContain('jnhp_command_duration_seconds_count{transport="ws",command="EXISTS"} 2');
    expect(text).toContain('jnhp_open_connections{transport="ws"} 3');
    expect(text).toContain('jnhp_validator_calls_total{hook="module:check.mjs",outcome="refuse"} 1');
    expect(text).toContain('jnhp_validator_duration_seconds_count{hook="module:check.mjs"} 1');
  });

  it('reads the restarts and requests in flight of each helper process when scraped', async () => {
    const metrics = new GatewayMetrics(() => 0);
    const inFlight = [3, 0];
    metrics.poolStarted({ hook: 'helper:check', size: 2, inFlight: (i) => inFlight[i] ?? 0, restarts: (i) => i * 2 });
    let text = await metrics.render();
    expect(text).toContain('jnhp_validator_helper_in_flight{hook="helper:check",process="0"} 3');
    expect(text).toContain('jnhp_validator_helper_restarts_total{hook="helper:check",process="1"} 2');
    inFlight[0] = 1;
    text = await metrics.render();
    expect(text).toContain('jnhp_validator_helper_in_flight{hook="helper:check",process="0"} 1');
    expect(text).toContain('jnhp_validator_helper_restarts_total{hook="helper:check",process="1"} 2');
  });

  it('reports each count once however often it is scraped', async () => {
    const metrics = new GatewayMetrics(() => 0);
    metrics.commands.observe(Transport.Tcp, Op.Ping, Outcome.Ok, null);
    await metrics.render();
    const text = await metrics.render();
    expect(text).toContain('jnhp_commands_total{transport="tcp",command="PING",outcome="ok"} 1');
  });
});
