// STORE throughput through each kind of validation hook that allows at once
// (exec, helper, worker, module, webhook) and through a helper that takes
// 10 ms, and GET latency on other connections while STOREs wait on a slow
// validator: the event loop must stay free.

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
/** How long the slow helper takes per request, and the concurrency it is given. */
const SLOW_HELPER_MS = 10;
const SLOW_HELPER_CONCURRENCY = 64;

async function startWebhook(): Promise<{ url: string; pid: number; child: ChildProcess }> {
  const script = path.join(root, 'dist', 'deploy', 'validators', 'webhook-server.js');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.setEncoding('utf8').once('data', (text: string) => resolve(JSON.parse(text).url));
    child.once('exit', (code) => reject(new Error(`webhook server exited ${code}`)));
  });
  return { url, pid: child.pid as number, child };
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

/** Pids of the helper processes a gateway started (from its log), to count their CPU with it. */
const helperPids = (gateway: SpawnedGateway): number[] =>
  gateway.logs.filter((l) => l.msg === 'helper started').map((l) => Number(l.helperPid));

export async function validatorBench(s: BenchSettings): Promise<string[]> {
  const timing = { warmupMs: s.warmupMs, durationMs: s.durationMs };
  // The first STORE of a connection waits for a hook slot; the later ones of
  // its pipeline are validated beside it only while slots are idle (and at most
  // 16 per connection), so the depth matters once the hooks are not saturated.
  const lines: string[] = [];
  const webhook = await startWebhook();
  const sample = (file: string): string => path.join(root, 'deploy', 'validators', file);
  try {
    const slowHelper = [
      '--validator',
      `helper:${fixture('slow-helper.mjs')} ${SLOW_HELPER_MS}`,
      '--validator-concurrency',
      String(SLOW_HELPER_CONCURRENCY),
    ];
    // [label, gateway arguments, connections]
    const kinds: [string, string[], number][] = [
      ['no hook', [], s.connections],
      ['exec: sh script', ['--validator', `exec:${fixture('allow.sh')}`], s.connections],
      ['helper: node sample x2', ['--validator', `helper:${sample('jnhp-helper.mjs')}`], s.connections],
      ['helper: python sample x2', ['--validator', `helper:${sample('jnhp-helper.py')}`], s.connections],
      ['worker: true', ['--validator', `worker:${fixture('allow-worker.mjs')}`], s.connections],
      ['module: true', ['--validator', `module:${fixture('allow-worker.mjs')}`], s.connections],
      ['webhook: local 204', ['--validator', webhook.url], s.connections],
      [`helper: ${SLOW_HELPER_MS} ms, conc. ${SLOW_HELPER_CONCURRENCY}`, slowHelper, s.connections],
      // c=50 fills the 64 slots only with STOREs validated side by side (bound: 64 / 10 ms = 6,400/s); c=128 without.
      [`helper: ${SLOW_HELPER_MS} ms, conc. ${SLOW_HELPER_CONCURRENCY}`, slowHelper, 2 * SLOW_HELPER_CONCURRENCY],
    ];
    for (const [kind, args, connections] of kinds) {
      const result = await withGateway(args, (gateway) =>
        runLoad({
          ...timing,
          connections,
          depth: s.depth,
          port: gateway.tcpPort,
          commands: storeCommands('v'),
          watchPids: [gateway.pid, ...helperPids(gateway), ...(args.includes(webhook.url) ? [webhook.pid] : [])],
          expect: (b, start, end) => b.toString('latin1', start, end) === 'W00T!',
        }),
      );
      lines.push(formatResult(`tcp STORE, ${kind} c=${connections} d=${s.depth}`, result));
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
