// The file store: fresh STOREs beside the same through the Redis store on a
// test-started Redis with appendfsync always (the durable peer), GETs of
// stored names beside the memory store, and the read-back of a log of
// 1,000,000 names with the memory they take.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Name } from '../../core/name.js';
import { LOG_FILE } from '../../core/store/file-store.js';
import { FrameBuilder, LOG_MAGIC } from '../../core/store/log-format.js';
import { hasRedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { type LoadResult, runLoad } from './load-generator.js';
import { type BenchSettings, formatResult, getCommands, KEYS, preload, storeCommands, VALUE } from './tcp-bench.js';

const RECOVERY_NAMES = Number(process.env.BENCH_RECOVERY_NAMES ?? 1_000_000);

export async function fileStoreBench(s: BenchSettings): Promise<string[]> {
  const load = { connections: s.connections, depth: s.depth, warmupMs: s.warmupMs, durationMs: s.durationMs };
  const label = (what: string): string => `tcp ${what} c=${s.connections} d=${s.depth}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-file-bench-'));
  const gateways: SpawnedGateway[] = [];
  const lines: string[] = [];
  try {
    const file = await spawnGateway(['--store', 'file', '--data-dir', path.join(dir, 'data')]);
    const memory = await spawnGateway(['--store', 'memory']);
    gateways.push(file, memory);
    const stored = Buffer.from('W00T!');
    const isStored = (b: Buffer, start: number, end: number): boolean =>
      end - start === stored.length && b.compare(stored, 0, stored.length, start, end) === 0;
    const store = await runLoad({
      ...load,
      port: file.tcpPort,
      commands: storeCommands('f'),
      watchPids: [file.pid],
      expect: isStored,
    });

    let redisStore: LoadResult | null = null;
    if (hasRedisServer) {
      const redis = await startRedisServer();
      try {
        const viaRedis = await spawnGateway(['--store', 'redis', '--redis-url', redis.url]);
        gateways.push(viaRedis);
        await viaRedis.waitForLog((l) => l.msg === 'store connected');
        redisStore = await runLoad({
          ...load,
          port: viaRedis.tcpPort,
          commands: storeCommands('r'),
          watchPids: [viaRedis.pid, redis.pid],
          expect: isStored,
        });
        await viaRedis.stop();
      } finally {
        await redis.stop();
      }
    }
    lines.push(
      formatResult(label('STORE unique names (file)'), store, redisStore ?? undefined).replace(
        'of ceiling',
        'of redis',
      ),
    );
    lines.push(
      redisStore === null
        ? 'tcp STORE unique names (redis): skipped (redis-server not on PATH)'
        : formatResult(label('STORE unique names (redis, appendfsync always)'), redisStore),
    );

    // GET of stored names, rounds alternating between the two gateways.
    await Promise.all([preload(file.tcpPort, KEYS), preload(memory.tcpPort, KEYS)]);
    const value = Buffer.from(VALUE);
    const isValue = (b: Buffer, start: number, end: number): boolean =>
      end - start === value.length && b.compare(value, 0, value.length, start, end) === 0;
    let fileGet: LoadResult | null = null;
    let memoryGet: LoadResult | null = null;
    for (let round = 0; round < s.rounds; round++) {
      const m = await runLoad({
        ...load,
        port: memory.tcpPort,
        commands: getCommands(),
        watchPids: [memory.pid],
        expect: isValue,
      });
      if (memoryGet === null || m.opsPerSecond > memoryGet.opsPerSecond) memoryGet = m;
      const f = await runLoad({
        ...load,
        port: file.tcpPort,
        commands: getCommands(),
        watchPids: [file.pid],
        expect: isValue,
      });
      if (fileGet === null || f.opsPerSecond > fileGet.opsPerSecond) fileGet = f;
    }
    lines.push(
      formatResult(label('GET (file)'), fileGet as LoadResult, memoryGet as LoadResult).replace(
        'of ceiling',
        'of memory',
      ),
    );
    lines.push(formatResult(label('GET (memory)'), memoryGet as LoadResult));
    await Promise.all([file.stop(), memory.stop()]);

    if (RECOVERY_NAMES > 0) lines.push(await recoveryFigure(path.join(dir, 'recovery'), RECOVERY_NAMES));
    return lines;
  } finally {
    await Promise.all(gateways.map((g) => g.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a log of `count` names with 32-byte values (frames of 50 records, like c=50), then reads it back in a child process. */
async function recoveryFigure(dir: string, count: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const fd = openSync(path.join(dir, LOG_FILE), 'w');
  writeSync(fd, LOG_MAGIC);
  const frame = new FrameBuilder();
  const value = 'v'.repeat(32);
  for (let i = 0; i < count; i++) {
    frame.add(Name.of(`name:${i}`), value);
    if (i % 50 === 49 || i === count - 1) {
      frame.seal();
      writeSync(fd, frame.buf, 0, frame.used);
      frame.reset(1 << 20);
    }
  }
  closeSync(fd);
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'file-store-recovery.js');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', script, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      text += t;
    });
    child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`recovery probe exited ${code}`))));
  });
  const r = JSON.parse(out) as {
    names: number;
    logBytes: number;
    ms: number;
    rss: number;
    rssGrowth: number;
    heapGrowth: number;
    externalGrowth: number;
  };
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
  return `file store read-back of ${r.names.toLocaleString('en-US')} names (32-byte values, log ${mb(r.logBytes)}): ${(r.ms / 1000).toFixed(2)} s; memory: rss ${mb(r.rss)} (+${mb(r.rssGrowth)}), heap +${mb(r.heapGrowth)}, buffers +${mb(r.externalGrowth)}`;
}
