// TCP through the Redis store beside Redis itself, driven by the same load
// generator (Redis takes the same lines as inline commands and answers RESP),
// in alternating rounds on one redis-server: the test helper's own
// (append-only, fsync always, as the shipped compose file runs it).
//
//   absent GET (a Redis round trip each)  vs  GET of the same keys, direct
//   STORE of fresh names                  vs  SET key value NX, direct
//   GET of stored names (local cache)     vs  GET of stored keys, direct
//
// The write script's own cost is shown beside SET NX (EVALSHA, direct).

import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { WRITE_SCRIPT, WRITE_SCRIPT_SHA } from '../../core/store/redis-write-script.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { type CommandSource, cyclingCommands, type LoadOptions, type LoadResult, runLoad } from './load-generator.js';
import { recordRatio } from './ratios.js';
import { type BenchSettings, formatResult, getCommands, KEYS, keyName, preload, VALUE } from './tcp-bench.js';

const PREFIX = 'bench:';

/** Fresh names, numbered per connection: `line(name)` makes the command. */
function freshCommands(tag: string, line: (name: string) => string): CommandSource {
  const seq: number[] = [];
  return (conn, count) => {
    let n = seq[conn] ?? 0;
    let text = '';
    for (let i = 0; i < count; i++) text += line(`${tag}${conn}_${n++}`);
    seq[conn] = n;
    return Buffer.from(text);
  };
}

const absentGets = (prefix: string): CommandSource =>
  cyclingCommands(Array.from({ length: KEYS }, (_, i) => `GET ${prefix}none${keyName((i * 7919) % KEYS)}\r\n`));
const storedGets = (prefix: string): CommandSource =>
  cyclingCommands(Array.from({ length: KEYS }, (_, i) => `GET ${prefix}${keyName((i * 7919) % KEYS)}\r\n`));

const exactly =
  (text: string) =>
  (b: Buffer, start: number, end: number): boolean => {
    const want = Buffer.from(text);
    return end - start === want.length && b.compare(want, 0, want.length, start, end) === 0;
  };

/** Rows compared with their ceilings, measured in alternating rounds; the best round of each is kept. */
interface Pair {
  readonly label: string;
  /** The least share of the ceiling the gateway row should reach. */
  readonly goal: number;
  readonly ceilingLabel: string;
  /** The ceiling's name in the table of ratios. */
  readonly ceilingName: string;
  readonly gateway: (round: number) => Promise<LoadResult>;
  readonly ceiling: (round: number) => Promise<LoadResult>;
}

async function measurePairs(rounds: number, pairs: readonly Pair[]): Promise<string[]> {
  const best = pairs.map(() => ({ gateway: null as LoadResult | null, ceiling: null as LoadResult | null }));
  const better = (a: LoadResult | null, b: LoadResult): LoadResult =>
    a === null || b.opsPerSecond > a.opsPerSecond ? b : a;
  for (let round = 0; round < rounds; round++) {
    for (const [i, pair] of pairs.entries()) {
      const slot = best[i] as (typeof best)[number];
      slot.ceiling = better(slot.ceiling, await pair.ceiling(round));
      slot.gateway = better(slot.gateway, await pair.gateway(round));
    }
  }
  const lines: string[] = [];
  for (const [i, pair] of pairs.entries()) {
    const slot = best[i] as (typeof best)[number];
    lines.push(formatResult(pair.ceilingLabel, slot.ceiling as LoadResult));
    lines.push(formatResult(pair.label, slot.gateway as LoadResult, slot.ceiling as LoadResult));
    recordRatio(pair.label, slot.gateway as LoadResult, pair.ceilingName, slot.ceiling as LoadResult, pair.goal);
  }
  return lines;
}

export async function redisBench(s: BenchSettings): Promise<string[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return ['redis: skipped (redis-server not on PATH)'];
  const load = { connections: s.connections, depth: s.depth, warmupMs: s.warmupMs, durationMs: s.durationMs };
  const cd = `c=${s.connections} d=${s.depth}`;
  const redis = await startRedisServer();
  let gateway: SpawnedGateway | null = null;
  try {
    const raw = new Redis(redis.port, '127.0.0.1');
    await raw.script('LOAD', WRITE_SCRIPT);
    raw.disconnect();
    gateway = await spawnGateway(['--store', 'redis', '--redis-url', redis.url, '--redis-prefix', PREFIX]);
    await gateway.waitForLog((l) => l.msg === 'store connected');
    const g = gateway;
    await preload(g.tcpPort, KEYS);
    const direct = (o: Omit<LoadOptions, 'port' | 'connections' | 'depth' | 'warmupMs' | 'durationMs'>) =>
      runLoad({ ...load, ...o, port: redis.port, watchPids: [redis.pid], resp: true });
    const through = (o: Omit<LoadOptions, 'port' | 'connections' | 'depth' | 'warmupMs' | 'durationMs'>) =>
      runLoad({ ...load, ...o, port: g.tcpPort, watchPids: [g.pid, redis.pid] });
    const far = '99999999999999';
    const pairs: Pair[] = [
      {
        ceilingLabel: `redis direct: GET absent keys ${cd}`,
        ceilingName: 'Redis direct GET (absent)',
        goal: 0.5,
        ceiling: () => direct({ commands: absentGets(PREFIX), expect: exactly('$-1') }),
        label: `tcp GET absent names (redis) ${cd}`,
        gateway: () => through({ commands: absentGets(''), expect: exactly('') }),
      },
      {
        ceilingLabel: `redis direct: SET key value NX ${cd}`,
        ceilingName: 'Redis direct SET NX',
        goal: 0.4,
        ceiling: (round) =>
          direct({
            commands: freshCommands(`d${round}_`, (n) => `SET ${PREFIX}${n} ${VALUE} NX\r\n`),
            expect: exactly('+OK'),
          }),
        label: `tcp STORE fresh names (redis) ${cd}`,
        gateway: (round) =>
          through({
            commands: freshCommands(`g${round}_`, (n) => `STORE ${n} ${VALUE}\r\n`),
            expect: exactly('W00T!'),
          }),
      },
      {
        ceilingLabel: `redis direct: GET stored keys ${cd}`,
        ceilingName: 'Redis direct GET (stored)',
        goal: 1,
        ceiling: () => direct({ commands: storedGets(PREFIX), expect: exactly(VALUE) }),
        label: `tcp GET stored names (redis, cache) ${cd}`,
        gateway: () => through({ commands: getCommands(), expect: exactly(VALUE) }),
      },
    ];
    const lines = await measurePairs(s.rounds, pairs);
    // What the write script costs Redis, beside SET NX: the same load, direct.
    const script = await direct({
      commands: freshCommands('e_', (n) => {
        const key = `${PREFIX}${n}`;
        return `EVALSHA ${WRITE_SCRIPT_SHA} 2 ${key} ${key}_r 5000 ${far} 1 ${VALUE}\r\n`;
      }),
      expect: exactly('1'),
    });
    lines.push(formatResult(`redis direct: the write script, one STORE a call ${cd}`, script));
    lines.push(
      `  (one gateway and one redis-server, append-only with fsync always; "% of ceiling" compares each gateway row with the Redis row above it, same load generator, alternating rounds; cpu server = gateway + redis)`,
    );
    return lines;
  } finally {
    await gateway?.stop();
    await redis.stop();
  }
}
