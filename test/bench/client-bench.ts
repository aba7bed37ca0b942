// The client library and the jnhp CLI against the memory gateway: GET and
// STORE per second through the library in this process (8 connections, 64
// commands in flight each), and a bulk import of STOREs with `jnhp --pipe`,
// beside the gateway's own pipelined STORE rate from the raw load generator.

import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../../client/index.js';
import type { JnhpClient } from '../../client/jnhp-client.js';
import { repoRoot } from '../helpers/repo-root.js';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { LatencyHistogram } from './latency-histogram.js';
import type { LoadResult } from './load-generator.js';
import { runLoad } from './load-generator.js';
import { measureWindow } from './measure-window.js';
import {
  type BenchSettings,
  formatResult,
  getCommands,
  KEYS,
  keyName,
  preload,
  storeCommands,
  VALUE,
} from './tcp-bench.js';

const CONNECTIONS = 8;
const IN_FLIGHT = 64;
const PIPE_STORES = Number(process.env.BENCH_PIPE_STORES ?? 1_000_000);

type Operation = (client: JnhpClient, conn: number, n: number) => Promise<unknown>;

/** Keeps IN_FLIGHT commands in flight on each of CONNECTIONS clients and counts what settles in the window. */
async function libraryLoad(url: string, s: BenchSettings, op: Operation, watchPids: number[]): Promise<LoadResult> {
  const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(url)));
  const histogram = new LatencyHistogram();
  let measuring = false;
  let stopping = false;
  let ops = 0;
  let unexpected = 0;
  clients.forEach((client, conn) => {
    let n = 0;
    const lane = (): void => {
      if (stopping) return;
      const sent = performance.now();
      op(client, conn, n++).then(
        () => {
          if (measuring) {
            ops++;
            histogram.record((performance.now() - sent) * 1000);
          }
          lane();
        },
        () => {
          unexpected++;
          lane();
        },
      );
    };
    for (let i = 0; i < IN_FLIGHT; i++) lane();
  });
  return measureWindow(
    { warmupMs: s.warmupMs, durationMs: s.durationMs, watchPids },
    (on) => {
      measuring = on;
    },
    () => ({ ops, unexpected, histogram }),
    () => {
      stopping = true;
      for (const client of clients) client.destroy();
    },
  );
}

/** Runs `jnhp --pipe` on a file of `count` unique STOREs; STOREs per second, process start to exit. */
async function pipeImport(tcpPort: number, count: number): Promise<{ perSecond: number; summary: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-pipe-'));
  const file = path.join(dir, 'stores.txt');
  try {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(`STORE pipe${i} ${VALUE}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const jnhp = path.join(repoRoot(), 'dist', 'client', 'cli', 'jnhp.js');
    const started = performance.now();
    const child = spawn(process.execPath, [jnhp, '-u', `jnhp://127.0.0.1:${tcpPort}`, '--pipe'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    createReadStream(file).pipe(child.stdin);
    let summary = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      summary += text;
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const seconds = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`jnhp --pipe exited ${code}: ${summary.trim()}`);
    return { perSecond: count / seconds, summary: summary.trim() };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rate = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(11);

export async function clientBench(s: BenchSettings): Promise<string[]> {
  const gateway = await spawnGateway();
  try {
    await preload(gateway.tcpPort, KEYS);
    const url = `jnhp://127.0.0.1:${gateway.tcpPort}`;
    const label = (what: string): string => `client library ${what} c=${CONNECTIONS} d=${IN_FLIGHT}`;
    const get = await libraryLoad(url, s, (c, _conn, n) => c.get(keyName((n * 7919) % KEYS)), [gateway.pid]);
    const store = await libraryLoad(url, s, (c, conn, n) => c.store(`lib${conn}_${n}`, VALUE), [gateway.pid]);
    // The gateway's own pipelined STORE rate, in the shape of one bulk import: one connection, 1000 in flight.
    const raw = await runLoad({
      port: gateway.tcpPort,
      connections: 1,
      depth: 1000,
      warmupMs: s.warmupMs,
      durationMs: s.durationMs,
      commands: storeCommands('raw'),
      watchPids: [gateway.pid],
    });
    const rawGet = await runLoad({
      port: gateway.tcpPort,
      connections: CONNECTIONS,
      depth: IN_FLIGHT,
      warmupMs: s.warmupMs,
      durationMs: s.durationMs,
      commands: getCommands(),
      watchPids: [gateway.pid],
    });
    const pipe = await pipeImport(gateway.tcpPort, PIPE_STORES);
    const share = (n: number, of: number): string => `${((100 * n) / of).toFixed(0).padStart(3)}% of raw`;
    return [
      formatResult(`tcp GET raw load generator c=${CONNECTIONS} d=${IN_FLIGHT}`, rawGet),
      `${formatResult(label('GET (memory)'), get)}  ${share(get.opsPerSecond, rawGet.opsPerSecond)} GET`,
      formatResult(label('STORE unique names (memory)'), store),
      formatResult('tcp STORE raw load generator c=1 d=1000', raw),
      `${`jnhp --pipe ${PIPE_STORES.toLocaleString('en-US')} STOREs (process start to exit)`.padEnd(44)} ${rate(pipe.perSecond)} ops/s  ${share(pipe.perSecond, raw.opsPerSecond)} STORE  (${pipe.summary})`,
    ];
  } finally {
    await gateway.stop();
  }
}
