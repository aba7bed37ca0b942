// REST through the Redis store beside Webdis (the C HTTP gateway to Redis)
// on the same redis-server, both driven by the same keep-alive load
// generator (50 connections, one request in flight each), in alternating
// rounds: GET of a stored name (Webdis: GET /GET/key), GET of an absent name,
// PUT of fresh names (Webdis: PUT /SETNX/key with the value as the body).
// Webdis is optional: without it the gateway rows are printed alone.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import type { LoadResult } from './load-generator.js';
import { recordRatio } from './ratios.js';
import { httpReader, openPlain, runRoundTrips } from './round-trip-load.js';
import { type BenchSettings, formatResult, KEYS, keyName, preload, VALUE } from './tcp-bench.js';

const PREFIX = 'bench:';

interface Webdis {
  readonly port: number;
  readonly pid: number;
  stop(): void;
}

export const hasWebdis = (): boolean => spawnSync('sh', ['-c', 'command -v webdis']).status === 0;

async function startWebdis(redisPort: number): Promise<Webdis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-webdis-'));
  const port = await freePort();
  const config = path.join(dir, 'webdis.json');
  writeFileSync(
    config,
    JSON.stringify({
      redis_host: '127.0.0.1',
      redis_port: redisPort,
      http_host: '127.0.0.1',
      http_port: port,
      threads: 2,
      pool_size: 10,
      daemonize: false,
      database: 0,
      verbosity: 0,
      logfile: path.join(dir, 'webdis.log'),
    }),
  );
  const child: ChildProcess = spawn('webdis', [config], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100) throw new Error('webdis did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    pid: child.pid as number,
    stop: () => {
      child.kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Cycles through pre-built requests, each connection from its own place. */
function cycling(requests: readonly Buffer[]): (conn: number) => Buffer {
  const next: number[] = [];
  return (conn) => {
    const at = next[conn] ?? (conn * 7) % requests.length;
    next[conn] = (at + 1) % requests.length;
    return requests[at] as Buffer;
  };
}

const gets = (pathOf: (i: number) => string): (() => (conn: number) => Buffer) => {
  const requests = Array.from({ length: KEYS }, (_, i) =>
    Buffer.from(`GET ${pathOf((i * 7919) % KEYS)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
  );
  return () => cycling(requests);
};

/** PUTs of fresh names: one request buffer per connection whose name digits are rewritten in place. */
export function freshPuts(pathOf: (name: string) => string): (conn: number) => Buffer {
  const DIGITS = 9;
  const templates: Buffer[] = [];
  const counters: number[] = [];
  return (conn) => {
    let request = templates[conn];
    if (request === undefined) {
      request = Buffer.from(
        `PUT ${pathOf(`${String(conn).padStart(3, '0')}_${'0'.repeat(DIGITS)}`)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${VALUE.length}\r\n\r\n${VALUE}`,
      );
      templates[conn] = request;
    }
    // The previous request has been answered, so its bytes are written: the buffer can be reused.
    let n = (counters[conn] ?? 0) + 1;
    counters[conn] = n;
    const end = request.indexOf(' HTTP/1.1');
    for (let i = end - 1; i >= end - DIGITS; i--, n = Math.floor(n / 10)) request[i] = 0x30 + (n % 10);
    return request;
  };
}

export async function restRedisBench(s: BenchSettings): Promise<string[]> {
  if (spawnSync('redis-server', ['--version']).status !== 0) return ['rest/redis: skipped (redis-server not on PATH)'];
  const base = { connections: s.connections, warmupMs: s.warmupMs, durationMs: s.durationMs, open: openPlain };
  const c = `c=${s.connections}`;
  const redis = await startRedisServer();
  let gateway: SpawnedGateway | null = null;
  let webdis: Webdis | null = null;
  try {
    gateway = await spawnGateway(['--store', 'redis', '--redis-url', redis.url, '--redis-prefix', PREFIX]);
    await gateway.waitForLog((l) => l.msg === 'store connected');
    const g = gateway;
    await preload(g.tcpPort, KEYS);
    if (hasWebdis()) webdis = await startWebdis(redis.port);
    const w = webdis;
    const rows: {
      label: string;
      webdisLabel: string;
      goal: number;
      gateway: (round: number) => Promise<LoadResult>;
      webdis: (round: number) => Promise<LoadResult>;
      best: { gateway: LoadResult | null; webdis: LoadResult | null };
    }[] = [
      {
        label: `http GET stored name (redis, cache) ${c}`,
        webdisLabel: `webdis GET /GET/key, stored ${c}`,
        goal: 0.9,
        gateway: () =>
          runRoundTrips({
            ...base,
            port: g.httpPort,
            request: gets((i) => `/keys/${keyName(i)}`)(),
            reader: httpReader(200),
            watchPids: [g.pid, redis.pid],
          }),
        webdis: () =>
          runRoundTrips({
            ...base,
            port: (w as Webdis).port,
            request: gets((i) => `/GET/${PREFIX}${keyName(i)}`)(),
            reader: httpReader(200),
            watchPids: [(w as Webdis).pid, redis.pid],
          }),
        best: { gateway: null, webdis: null },
      },
      {
        label: `http GET absent name (redis) ${c}`,
        webdisLabel: `webdis GET /GET/key, absent ${c}`,
        goal: 0.8,
        gateway: () =>
          runRoundTrips({
            ...base,
            port: g.httpPort,
            request: gets((i) => `/keys/none${keyName(i)}`)(),
            reader: httpReader(404),
            watchPids: [g.pid, redis.pid],
          }),
        webdis: () =>
          runRoundTrips({
            ...base,
            port: (w as Webdis).port,
            request: gets((i) => `/GET/${PREFIX}none${keyName(i)}`)(),
            reader: httpReader(200),
            watchPids: [(w as Webdis).pid, redis.pid],
          }),
        best: { gateway: null, webdis: null },
      },
      {
        label: `http PUT fresh names (redis) ${c}`,
        webdisLabel: `webdis PUT /SETNX/key, fresh ${c}`,
        goal: 0.8,
        gateway: (round) =>
          runRoundTrips({
            ...base,
            port: g.httpPort,
            request: freshPuts((name) => `/keys/p${round}_${name}`),
            reader: httpReader(201),
            watchPids: [g.pid, redis.pid],
          }),
        webdis: (round) =>
          runRoundTrips({
            ...base,
            port: (w as Webdis).port,
            request: freshPuts((name) => `/SETNX/${PREFIX}w${round}_${name}`),
            reader: httpReader(200),
            watchPids: [(w as Webdis).pid, redis.pid],
          }),
        best: { gateway: null, webdis: null },
      },
    ];
    const better = (a: LoadResult | null, b: LoadResult): LoadResult =>
      a === null || b.opsPerSecond > a.opsPerSecond ? b : a;
    for (let round = 0; round < s.rounds; round++) {
      for (const row of rows) {
        if (w !== null) row.best.webdis = better(row.best.webdis, await row.webdis(round));
        row.best.gateway = better(row.best.gateway, await row.gateway(round));
      }
    }
    const lines: string[] = [];
    for (const row of rows) {
      const top = row.best.webdis;
      if (top !== null) lines.push(formatResult(row.webdisLabel, top));
      lines.push(formatResult(row.label, row.best.gateway as LoadResult, top ?? undefined));
      if (top !== null) recordRatio(row.label, row.best.gateway as LoadResult, 'Webdis', top, row.goal);
    }
    lines.push(
      w === null
        ? '  (Webdis is not installed: its rows are skipped; apt-get install webdis to compare)'
        : '  (one gateway and Webdis on one redis-server, append-only with fsync always; cpu server = the gateway or Webdis, + redis)',
    );
    return lines;
  } finally {
    webdis?.stop();
    await gateway?.stop();
    await redis.stop();
  }
}
