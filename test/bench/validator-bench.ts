// STORE throughput through each kind of validation hook that allows at once
// (exec, worker, module, webhook), and GET latency on other connections
// while STOREs wait on a slow validator: the event loop must stay free.

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { cyclingCommands, type LoadResult, runLoad } from './load-generator.js';
import { type BenchSettings, formatResult, KEYS, keyName, storeCommands } from './tcp-bench.js';

const root = repoRoot();
const fixture = (file: string): string => path.join(root, 'test', 'fixtures', 'validators', file);
/** How long the slow validator takes; STOREs wait on it while GETs are measured. */
const SLOW_SECONDS = 0.5;
const SLOW_CONNECTIONS = 16;

async function startWebhook(): Promise<{ url: string; child: ChildProcess }> {
  const script = path.join(root, 'dist', 'deploy', 'validators', 'webhook-server.js');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').once('data', (text: string) => resolve(JSON.parse(text).url));
    child.once('exit', (code) => reject(new Error(`webhook server exited ${code}`)));
  });
  return { url, child };
}

async function withGateway<T>(args: readonly string[], run: (gateway: SpawnedGateway) => Promise<T>): Promise<T> {
  const gateway = await spawnGateway(args);
  try {
    return await run(gateway);
  } finally {
    await gateway.stop();
  }
}

/** GETs of names never stored: the answer is an empty line. */
const absentGets = () =>
  cyclingCommands(Array.from({ length: KEYS }, (_, i) => `GET ${keyName((i * 7919) % KEYS)}\r\n`));
const isEmptyLine = (_: Buffer, start: number, end: number): boolean => end - start <= 0;

export async function validatorBench(s: BenchSettings): Promise<string[]> {
  const timing = { warmupMs: s.warmupMs, durationMs: s.durationMs };
  // A STORE that needs a validator holds back later lines of its connection, so pipelining adds nothing.
  const storeLoad = { ...timing, connections: s.connections, depth: 1 };
  const lines: string[] = [];
  const webhook = await startWebhook();
  try {
    const kinds: [string, string][] = [
      ['exec: sh script', `exec:${fixture('allow.sh')}`],
      ['worker: true', `worker:${fixture('allow-worker.mjs')}`],
      ['module: true', `module:${fixture('allow-worker.mjs')}`],
      ['webhook: local 204', webhook.url],
    ];
    for (const [label, validator] of kinds) {
      const result = await withGateway(['--validator', validator], (gateway) =>
        runLoad({
          ...storeLoad,
          port: gateway.tcpPort,
          commands: storeCommands('v'),
          watchPids: [gateway.pid],
          expect: (b, start, end) => b.toString('latin1', start, end) === 'W00T!',
        }),
      );
      lines.push(formatResult(`tcp STORE, ${label} c=${s.connections} d=1`, result));
    }
  } finally {
    webhook.child.kill('SIGTERM');
  }

  const slow = `exec:${fixture('sleep-then.sh')} ${SLOW_SECONDS} 1`;
  await withGateway(['--validator', slow], async (gateway) => {
    const getLoad = {
      ...timing,
      port: gateway.tcpPort,
      connections: s.connections,
      depth: s.depth,
      watchPids: [gateway.pid],
      expect: isEmptyLine,
    };
    const alone = await runLoad({ ...getLoad, commands: absentGets() });
    const [busy, stores] = await Promise.all([
      runLoad({ ...getLoad, commands: absentGets() }),
      runLoad({
        ...timing,
        port: gateway.tcpPort,
        connections: SLOW_CONNECTIONS,
        depth: 1,
        commands: storeCommands('w'),
      }),
    ]);
    const label = `c=${s.connections} d=${s.depth}`;
    lines.push(formatResult(`tcp GET, no hook busy ${label}`, alone as LoadResult));
    lines.push(formatResult(`tcp GET, ${SLOW_CONNECTIONS} STOREs on ${SLOW_SECONDS} s hook ${label}`, busy));
    lines.push(formatResult(`  those STOREs c=${SLOW_CONNECTIONS} d=1`, stores));
  });
  return lines;
}
