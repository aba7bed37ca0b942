// TCP GET and STORE through the Redis store, with 1 and 3 gateway instances,
// beside the ceiling: redis-benchmark on the same redis-server in the same
// run. The Redis is the test helper's own (append-only, fsync always, as the
// shipped compose file runs it), on a free port in a temp dir.

import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';
import { WRITE_SCRIPT, WRITE_SCRIPT_SHA } from '../../core/store/redis-write-script.js';
import { startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import type { LoadResult } from './load-generator.js';
import { runLoad } from './load-generator.js';
import { cpuSeconds } from './process-cpu.js';
import {
  type BenchSettings,
  bestOf,
  formatResult,
  getCommands,
  KEYS,
  keyName,
  preload,
  storeCommands,
  VALUE,
} from './tcp-bench.js';

interface Ceiling {
  readonly label: string;
  readonly result: LoadResult;
}

/** One redis-benchmark figure, run long enough for `seconds` after a short calibration. */
async function redisBenchmark(
  port: number,
  redisPid: number,
  label: string,
  args: readonly string[],
  seconds: number,
): Promise<Ceiling> {
  const once = async (requests: number): Promise<{ rps: number; p50: number; p99: number; cores: number }> => {
    const before = cpuSeconds(redisPid);
    const started = performance.now();
    const csv = await run('redis-benchmark', ['-p', String(port), '-n', String(requests), '--csv', ...args]);
    const elapsed = (performance.now() - started) / 1000;
    const cores = (cpuSeconds(redisPid) - before) / elapsed;
    // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    const row = csv.trim().split('\n').pop() ?? '';
    const fields = row.split(',').map((f) => Number(f.replaceAll('"', '')));
    return { rps: fields[1] ?? 0, p50: fields[4] ?? 0, p99: fields[6] ?? 0, cores };
  };
  const probe = await once(20_000);
  const r = await once(Math.max(20_000, Math.round(probe.rps * seconds)));
  const result: LoadResult = {
    ops: 0,
    opsPerSecond: r.rps,
    p50Micros: Math.round(r.p50 * 1000),
    p99Micros: Math.round(r.p99 * 1000),
    unexpected: 0,
    serverCores: r.cores,
    clientCores: Number.NaN,
  };
  return { label, result };
}

/** GETs every bench name once on one connection and waits for all the replies. */
async function readAll(port: number): Promise<void> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  let lines = '';
  for (let i = 0; i < KEYS; i++) lines += `GET ${keyName(i)}\r\n`;
  await new Promise<void>((resolve) => {
    let seen = 0;
    socket.on('data', (chunk: Buffer) => {
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, nl + 1)) seen++;
      if (seen >= KEYS) resolve();
    });
    socket.write(lines);
  });
  socket.destroy();
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      out += t;
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => {
      err += t;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err.trim()}`)),
    );
  });
}

export async function redisBench(s: BenchSettings): Promise<string[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return ['redis: skipped (redis-server not on PATH)'];
  const seconds = s.durationMs / 1000;
  const load = { connections: s.connections, depth: s.depth, warmupMs: s.warmupMs, durationMs: s.durationMs };
  const redis = await startRedisServer();
  const gateways: SpawnedGateway[] = [];
  const lines: string[] = [];
  try {
    const raw = new Redis(redis.port, '127.0.0.1');
    await raw.script('LOAD', WRITE_SCRIPT);
    raw.disconnect();

    // The ceiling: redis-benchmark, pipelined like the load generator (-P = depth, -c = connections), and unpipelined.
    const rb = (pipeline: number): string[] => ['-c', String(s.connections), '-P', String(pipeline)];
    const far = '99999999999999';
    await run('redis-benchmark', [
      '-p',
      String(redis.port),
      '-n',
      '100000',
      '-r',
      String(KEYS),
      ...rb(16),
      'SET',
      'rb:__rand_int__',
      VALUE,
    ]);
    const ceilings: Ceiling[] = [];
    for (const p of [s.depth, 1]) {
      ceilings.push(
        await redisBenchmark(
          redis.port,
          redis.pid,
          `GET -P ${p}`,
          [...rb(p), '-r', String(KEYS), 'GET', 'rb:__rand_int__'],
          seconds,
        ),
        await redisBenchmark(
          redis.port,
          redis.pid,
          `SET NX -P ${p}`,
          [...rb(p), '-r', '1000000000', 'SET', `rbs${p}:__rand_int__`, VALUE, 'NX'],
          seconds,
        ),
        await redisBenchmark(
          redis.port,
          redis.pid,
          `STORE script -P ${p}`,
          [
            ...rb(p),
            '-r',
            '1000000000',
            'EVALSHA',
            WRITE_SCRIPT_SHA,
            '2',
            `rbe${p}:__rand_int__`,
            `rbe${p}:__rand_int__ token`,
            VALUE,
            't',
            far,
            '5000',
          ],
          seconds,
        ),
      );
    }
    const ceiling = (label: string): LoadResult => (ceilings.find((c) => c.label === label) as Ceiling).result;
    for (const c of ceilings) {
      lines.push(
        formatResult(`redis-benchmark ${c.label} c=${s.connections}`, c.result).replace(/ client NaN/, ' client  n/a'),
      );
    }

    const value = Buffer.from(VALUE);
    const isValue = (b: Buffer, start: number, end: number): boolean =>
      end - start === value.length && b.compare(value, 0, value.length, start, end) === 0;
    const stored = Buffer.from('W00T!');
    const isStored = (b: Buffer, start: number, end: number): boolean =>
      end - start === stored.length && b.compare(stored, 0, stored.length, start, end) === 0;

    for (const cache of ['0', '100000']) {
      for (const count of [1, 3]) {
        const started = await Promise.all(
          Array.from({ length: count }, () =>
            spawnGateway([
              '--store',
              'redis',
              '--redis-url',
              redis.url,
              '--redis-prefix',
              'bench:',
              '--redis-cache-names',
              cache,
            ]),
          ),
        );
        gateways.push(...started);
        await Promise.all(started.map((g) => g.waitForLog((l) => l.msg === 'store connected')));
        const ports = started.map((g) => g.tcpPort);
        const watchPids = [...started.map((g) => g.pid), redis.pid];
        await preload(ports[0] as number, KEYS);
        // Every gateway reads every name once: with the cache on, the figure is then its steady state.
        await Promise.all(ports.map((port) => readAll(port)));
        const shape = `${count} gateway${count > 1 ? 's' : ''}, cache ${cache === '0' ? 'off' : 'on'}`;
        const label = (what: string): string => `tcp ${what} (redis, ${shape}) c=${s.connections} d=${s.depth}`;
        const get = await bestOf(s.rounds, () =>
          runLoad({ ...load, port: 0, ports, commands: getCommands(), watchPids, expect: isValue }),
        );
        lines.push(formatResult(label('GET'), get, ceiling(`GET -P ${s.depth}`)));
        if (cache === '0') {
          const store = await runLoad({
            ...load,
            port: 0,
            ports,
            commands: storeCommands(`r${count}_`),
            watchPids,
            expect: isStored,
          });
          lines.push(formatResult(label('STORE unique names'), store, ceiling(`STORE script -P ${s.depth}`)));
        }
        await Promise.all(started.map((g) => g.stop()));
      }
    }
    lines.push(
      '  (ceilings: redis-benchmark on the same redis-server; "% of ceiling" compares GET with GET and STORE with the write script, both pipelined like the load; cpu server = gateways + redis)',
    );
    return lines;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis.stop();
  }
}
