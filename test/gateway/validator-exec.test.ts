import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { alive, fixture, hookFailures, logAfter, storeOnce, waitUntil } from '../helpers/validator-fixtures.js';
import { WsClient } from '../helpers/ws-client.js';

const DECIDE = `exec:${fixture('decide.sh')}`;

describe('an exec: validator', () => {
  let gateway: SpawnedGateway;
  let client: LineClient;
  beforeAll(async () => {
    gateway = await spawnGateway(['--validator', DECIDE, '--validator-timeout-ms', '800']);
    client = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    await gateway?.stop();
  });

  it.each([
    ['allow', 'after other output'],
    ['noise', 'from the first JNHP:<int> line, after lines that only look like one'],
    ['split', 'from a verdict line split across several writes'],
    ['allow-exit-1', 'whatever the exit code once the line came'],
  ])('stores when the program allows (%s: %s)', async (value) => {
    expect(await client.request(`STORE ok-${value} ${value}`)).toBe('W00T!');
    expect(await client.request(`GET ok-${value}`)).toBe(value);
  });

  it.each(['refuse', 'noise-refuse'])(
    'answers RARGH! and stores nothing when the program refuses (%s)',
    async (value) => {
      const before = gateway.logs.length;
      expect(await client.request(`STORE no-${value} ${value}`)).toBe('RARGH!');
      expect(await client.request(`GET no-${value}`)).toBe('');
      expect(hookFailures(gateway, before)).toEqual([]);
    },
  );

  it.each([
    ['crash', 'killed by SIGSEGV'],
    ['exit-3', 'exited with code 3'],
    ['garbage', 'without a JNHP:<int> line'],
  ])('fails closed and logs the hook and the reason when the program errs (%s)', async (value, reason) => {
    const before = gateway.logs.length;
    expect(await client.request(`STORE err-${value} ${value}`)).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => l.hook === DECIDE);
    expect(log).toMatchObject({ level: 'warn', outcome: 'error', msg: 'validator error' });
    expect(log.reason).toContain(reason);
    expect(await client.request(`GET err-${value}`)).toBe('');
  });

  it('shows the end of stderr in the reason', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE err-stderr exit-3')).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => l.hook === DECIDE);
    expect(log.reason).toContain('no verdict from me');
  });

  it('fails closed at the timeout and kills the program', async () => {
    const before = gateway.logs.length;
    const started = Date.now();
    expect(await client.request('STORE late slow')).toBe('RARGH!');
    expect(Date.now() - started).toBeLessThan(5000);
    const log = await logAfter(gateway, before, (l) => l.hook === DECIDE);
    expect(log).toMatchObject({ outcome: 'timeout', msg: 'validator timeout' });
    expect(log.reason).toContain('800 ms');
    expect(await client.request('GET late')).toBe('');
  });

  it('runs no validator for a name that exists', async () => {
    expect(await client.request('STORE taken allow')).toBe('W00T!');
    const before = gateway.logs.length;
    // `crash` would log an error if the program ran.
    expect(await client.request('STORE taken crash')).toBe('RARGH!');
    expect(await client.request('PING')).toBe('PONG');
    expect(hookFailures(gateway, before)).toEqual([]);
  });

  it('answers 403 to a refusal and 503 to an error over REST', async () => {
    const put = (name: string, value: string) =>
      fetch(`http://127.0.0.1:${gateway.httpPort}/keys/${name}`, { method: 'PUT', body: value });
    expect((await put('rest-ok', 'allow')).status).toBe(201);
    expect((await put('rest-no', 'refuse')).status).toBe(403);
    expect((await put('rest-err', 'crash')).status).toBe(503);
  });
});

describe('what an exec: validator is given', () => {
  let gateway: SpawnedGateway;
  let dir: string;
  const dump = (name: string): { args: string[]; env: Record<string, string> } =>
    JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-exec-'));
    gateway = await spawnGateway(
      ['--validator', `exec:${process.execPath} ${fixture('dump-exec.mjs')} ${dir}`, '--validator-env', 'PASS_ME'],
      {
        env: {
          REDIS_URL: 'redis://:hunter2-secret@127.0.0.1:6379/0',
          JNHP_ADMIN_TOKEN: 'token-secret',
          PASS_ME: 'handed-on',
          LANG: 'C.UTF-8',
        },
      },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('gets JNHP_NAME, the transport, the address and the user, and none of the gateway secrets', async () => {
    expect(await storeOnce(gateway.tcpPort, 'env-check', 'v')).toBe('W00T!');
    const { env } = dump('env-check');
    expect(env).toMatchObject({
      JNHP_NAME: 'env-check',
      JNHP_TRANSPORT: 'tcp',
      JNHP_REMOTE_ADDR: expect.stringContaining('127.0.0.1'),
      JNHP_USER: 'default',
      PASS_ME: 'handed-on',
      LANG: 'C.UTF-8',
      PATH: process.env.PATH,
    });
    expect(Object.keys(env).sort()).toEqual(
      ['JNHP_NAME', 'JNHP_REMOTE_ADDR', 'JNHP_TRANSPORT', 'JNHP_USER', 'LANG', 'PASS_ME', 'PATH'].sort(),
    );
    expect(JSON.stringify(env)).not.toContain('secret');
  });

  it('gets the value as one last argument, unchanged, with no shell in between', async () => {
    const sentinel = path.join(dir, 'shell-ran');
    const value = `a  b;$(touch ${sentinel}) | & "q" 'z' * \`touch ${sentinel}\` $HOME > x \\ é  `;
    expect(await storeOnce(gateway.tcpPort, 'argv-check', value)).toBe('W00T!');
    expect(dump('argv-check').args).toEqual([value]);
    expect(() => readFileSync(sentinel)).toThrow();
  });

  it('learns the transport of WebSocket and REST clients', async () => {
    const ws = await WsClient.connect(gateway.httpPort);
    expect(await ws.request('STORE ws-check v')).toBe('W00T!');
    ws.ws.close();
    const put = await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/http-check`, { method: 'PUT', body: 'v' });
    expect(put.status).toBe(201);
    expect(dump('ws-check').env).toMatchObject({ JNHP_TRANSPORT: 'ws', JNHP_NAME: 'ws-check' });
    expect(dump('http-check').env).toMatchObject({ JNHP_TRANSPORT: 'http', JNHP_NAME: 'http-check' });
    expect(dump('http-check').env.JNHP_REMOTE_ADDR).toContain('127.0.0.1');
  });
});

describe('an exec: validator that overruns its timeout', () => {
  let gateway: SpawnedGateway;
  let dir: string;
  const pidIn = (file: string): number => Number(readFileSync(path.join(dir, file), 'utf8').trim());

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-group-'));
    gateway = await spawnGateway([
      '--validator',
      `exec:${fixture('group.sh')} ${dir}`,
      '--validator-timeout-ms',
      '800',
      '--drain-timeout-ms',
      '300',
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is killed with its whole process group, a child that ignores SIGTERM included, and leaves no zombie', async () => {
    expect(await storeOnce(gateway.tcpPort, 'group-check', 'v')).toBe('RARGH!');
    const leader = pidIn('leader.pid');
    const child = pidIn('child.pid');
    // kill(pid, 0) succeeds on a zombie too: ESRCH means killed and reaped.
    await waitUntil(() => !alive(-leader), `process group ${leader} gone`);
    await waitUntil(() => !alive(leader) && !alive(child), `processes ${leader} and ${child} reaped`);
  });

  it('is killed with its process group when the gateway stops while it runs', async () => {
    rmSync(path.join(dir, 'leader.pid'), { force: true });
    const client = await LineClient.connect(gateway.tcpPort);
    client.send('STORE drain-check v\r\n');
    await waitUntil(() => {
      try {
        return pidIn('leader.pid') > 0;
      } catch {
        return false;
      }
    }, 'the validator started');
    const leader = pidIn('leader.pid');
    expect(await gateway.stop()).toBe(0);
    client.close();
    await waitUntil(() => !alive(-leader), `process group ${leader} gone`);
  });
});

describe('the exec: concurrency bound', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-bound-'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never lets more programs run at once than --validator-concurrency', async () => {
    const gateway = await spawnGateway([
      '--validator',
      `exec:${fixture('count.sh')} ${dir}`,
      '--validator-concurrency',
      '2',
    ]);
    try {
      const replies = await Promise.all(
        Array.from({ length: 6 }, (_, i) => storeOnce(gateway.tcpPort, `bound${i}`, 'v')),
      );
      expect(replies).toEqual(Array(6).fill('W00T!'));
      const counts = readFileSync(path.join(dir, 'counts'), 'utf8').trim().split('\n').map(Number);
      expect(counts).toHaveLength(6);
      expect(Math.max(...counts)).toBe(2);
    } finally {
      await gateway.stop();
    }
  });

  it('fails a STORE at once when the queue is full, and logs the overload', async () => {
    const slow = `exec:${fixture('sleep-then.sh')} 1 1`;
    const gateway = await spawnGateway(['--validator', slow, '--validator-concurrency', '1', '--validator-queue', '1']);
    try {
      // One STORE runs, one waits in the queue, whichever comes third finds it full.
      const sent = Date.now();
      const replies = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const reply = await storeOnce(gateway.tcpPort, `q${i}`, 'v');
          return { name: `q${i}`, reply, ms: Date.now() - sent };
        }),
      );
      const refused = replies.filter((r) => r.reply === 'RARGH!');
      expect(refused).toHaveLength(1);
      expect(refused[0]?.ms).toBeLessThan(900);
      expect(replies.filter((r) => r.reply === 'W00T!')).toHaveLength(2);
      const log = await gateway.waitForLog((l) => l.outcome === 'overloaded');
      expect(log).toMatchObject({ hook: slow, level: 'warn', msg: 'validator overloaded' });
      expect(log.reason).toContain('--validator-queue');
      const client = await LineClient.connect(gateway.tcpPort);
      expect(await client.request(`GET ${refused[0]?.name}`)).toBe('');
      client.close();
    } finally {
      await gateway.stop();
    }
  });
});

describe('an exec: validator failing open', () => {
  let gateway: SpawnedGateway;
  beforeAll(async () => {
    gateway = await spawnGateway([
      '--validator',
      DECIDE,
      '--validator-failure',
      'open',
      '--validator-timeout-ms',
      '500',
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('stores when the hook errs or times out, and logs it', async () => {
    const before = gateway.logs.length;
    expect(await storeOnce(gateway.tcpPort, 'open-crash', 'crash')).toBe('W00T!');
    expect(await storeOnce(gateway.tcpPort, 'open-slow', 'slow')).toBe('W00T!');
    // The log line of the timed-out call may follow its answer: the program is still being stopped.
    await waitUntil(() => hookFailures(gateway, before).length >= 2, 'two hook failure log lines');
    expect(hookFailures(gateway, before).map((l) => l.outcome)).toEqual(['error', 'timeout']);
  });

  it('never stores when the hook refuses', async () => {
    expect(await storeOnce(gateway.tcpPort, 'open-refuse', 'refuse')).toBe('RARGH!');
    const client = await LineClient.connect(gateway.tcpPort);
    expect(await client.request('GET open-refuse')).toBe('');
    client.close();
  });
});

describe('an exec: validator that leaves a process holding its stdout', () => {
  let gateway: SpawnedGateway;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-escape-'));
    gateway = await spawnGateway([
      '--validator',
      `exec:${fixture('escape.sh')} ${dir}`,
      '--validator-timeout-ms',
      '3000',
    ]);
  });
  afterAll(async () => {
    await gateway?.stop();
    try {
      process.kill(Number(readFileSync(path.join(dir, 'escaped.pid'), 'utf8')), 'SIGKILL');
    } catch {
      // not started, or gone
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('is answered once the program has exited, without waiting for the pipe to close', async () => {
    const started = Date.now();
    expect(await storeOnce(gateway.tcpPort, 'escape-check', 'v')).toBe('W00T!');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
