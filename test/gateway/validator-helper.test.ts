// `helper:` hooks through the built gateway and real helper processes: every
// promise of SPEC section 4's helper paragraph.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AclFile, hash, TOKENS } from '../helpers/acl-file.js';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { alive, fixture, hookFailures, logAfter, storeOnce, waitUntil } from '../helpers/validator-fixtures.js';
import { WsClient } from '../helpers/ws-client.js';

const helperSpec = (...args: string[]): string =>
  `helper:${[process.execPath, fixture('decide-helper.mjs'), ...args].join(' ')}`;

/** Pids of the helper processes started so far, from the `helper started` log lines. */
const startedPids = (gateway: SpawnedGateway): number[] =>
  gateway.logs.filter((l) => l.msg === 'helper started').map((l) => Number(l.helperPid));

const tempDir = (): string => mkdtempSync(path.join(tmpdir(), 'jnhp-helper-'));

describe('a helper: validator with two processes', () => {
  let gateway: SpawnedGateway;
  let client: LineClient;
  let dir: string;
  let spec: string;
  const received = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));

  beforeAll(async () => {
    dir = tempDir();
    spec = helperSpec(dir);
    gateway = await spawnGateway(['--validator', spec, '--validator-helpers', '2'], {
      env: { REDIS_URL: 'redis://:hunter2-secret@127.0.0.1:6379/0', PASS_ME: 'handed-on' },
    });
    client = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts --validator-helpers processes with the gateway', () => {
    const pids = startedPids(gateway);
    expect(new Set(pids).size).toBe(2);
    for (const pid of pids) expect(alive(pid)).toBe(true);
  });

  it('stores what the helper allows, and answers RARGH! to what it refuses without logging a failure', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE h-ok allow')).toBe('W00T!');
    expect(await client.request('GET h-ok')).toBe('allow');
    expect(await client.request('STORE h-no refuse')).toBe('RARGH!');
    expect(await client.request('GET h-no')).toBe('');
    expect(hookFailures(gateway, before)).toEqual([]);
  });

  it('sends id, name, value, transport, address and user as one JSON line, for every transport', async () => {
    expect(await client.request('STORE json-tcp allow')).toBe('W00T!');
    const ws = await WsClient.connect(gateway.httpPort);
    expect(await ws.request('STORE json-ws allow')).toBe('W00T!');
    ws.close();
    const put = await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/json-http`, { method: 'PUT', body: 'allow' });
    expect(put.status).toBe(201);
    for (const transport of ['tcp', 'ws', 'http']) {
      const request = received(`json-${transport}`);
      expect(request).toEqual({
        id: expect.any(Number),
        name: `json-${transport}`,
        value: 'allow',
        transport,
        remoteAddress: expect.stringContaining('127.0.0.1'),
        user: 'default',
      });
    }
    expect(received('json-tcp').id).not.toBe(received('json-ws').id);
  });

  it('hands a helper the small environment of exec programs, none of the gateway secrets', () => {
    const pid = startedPids(gateway)[0];
    const env = JSON.parse(readFileSync(path.join(dir, `env-${pid}.json`), 'utf8')) as Record<string, string>;
    expect(Object.keys(env).every((key) => ['PATH', 'LANG', 'PASS_ME'].includes(key))).toBe(true);
    expect(env.PATH).toBe(process.env.PATH);
    expect(JSON.stringify(env)).not.toContain('secret');
  });

  it('logs and ignores stdout lines that are not answers, and answers with unknown ids', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE h-garbage garbage')).toBe('W00T!');
    await waitUntil(
      () => gateway.logs.slice(before).filter((l) => l.msg === 'helper line ignored').length >= 3,
      'three ignored lines logged',
    );
    const ignored = gateway.logs.slice(before).filter((l) => l.msg === 'helper line ignored');
    expect(ignored.map((l) => l.line)).toEqual(['hello there', expect.stringMatching(/^\d+JNHP:1$/), '999999 JNHP:1']);
    expect(ignored[2]).toMatchObject({ hook: spec, reason: 'no request 999999 in flight', level: 'warn' });
    expect(hookFailures(gateway, before)).toEqual([]);
  });

  it('logs every stderr line of a helper', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE h-stderr stderr')).toBe('W00T!');
    const log = await logAfter(gateway, before, (l) => l.msg === 'helper stderr');
    expect(log).toMatchObject({ hook: spec, stderr: 'a word from the helper', helperPid: expect.any(Number) });
  });
});

describe('what a helper learns of an authenticated client', () => {
  let gateway: SpawnedGateway;
  let dir: string;
  const received = (name: string): Record<string, unknown> =>
    JSON.parse(readFileSync(path.join(dir, `${name}.json`), 'utf8'));

  beforeAll(async () => {
    dir = tempDir();
    const acl = new AclFile(
      `user default on nopass ~* +read +write\nuser app on ${hash(TOKENS.app)} ~* +read +write\n`,
    );
    gateway = await spawnGateway(['--validator', helperSpec(dir), '--acl-file', acl.path]);
  });
  afterAll(async () => {
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends the user the client authenticated as, over TCP, WebSocket and REST', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    expect(await client.request('STORE user-before allow')).toBe('W00T!');
    expect(await client.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    expect(await client.request('STORE user-tcp allow')).toBe('W00T!');
    client.close();
    const ws = await WsClient.connect(gateway.httpPort);
    expect(await ws.request(`AUTH ${TOKENS.app}`)).toBe('W00T!');
    expect(await ws.request('STORE user-ws allow')).toBe('W00T!');
    ws.close();
    const put = await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/user-http`, {
      method: 'PUT',
      body: 'allow',
      headers: { authorization: `Bearer ${TOKENS.app}` },
    });
    expect(put.status).toBe(201);
    expect(received('user-before').user).toBe('default');
    for (const transport of ['tcp', 'ws', 'http']) {
      expect(received(`user-${transport}`)).toMatchObject({ transport, user: 'app' });
    }
  });
});

describe('a helper: validator with one process', () => {
  let gateway: SpawnedGateway;
  let spec: string;
  beforeEach(async () => {
    spec = helperSpec();
    gateway = await spawnGateway(['--validator', spec, '--validator-helpers', '1', '--validator-timeout-ms', '800']);
  });
  afterEach(async () => {
    await gateway?.stop();
  });

  /** Sends `STORE name hold` on its own connection, and waits until the helper holds it. */
  async function holdOne(name: string): Promise<{ reply: Promise<string>; client: LineClient }> {
    const before = gateway.logs.length;
    const client = await LineClient.connect(gateway.tcpPort);
    const reply = client.request(`STORE ${name} hold`);
    await logAfter(gateway, before, (l) => typeof l.stderr === 'string' && l.stderr.startsWith('holding'));
    return { reply, client };
  }

  it('matches answers that come out of order to their requests by id', async () => {
    const held = await holdOne('first');
    const order: string[] = [];
    const first = held.reply.then((reply) => order.push(`first ${reply}`));
    const second = storeOnce(gateway.tcpPort, 'second', 'release').then((reply) => order.push(`second ${reply}`));
    await Promise.all([first, second]);
    // The helper answered `second` first, then `first`.
    expect(order).toEqual(['second W00T!', 'first W00T!']);
    held.client.close();
  });

  it('fails what a crashing helper held, restarts it, and the new process takes over', async () => {
    const [oldPid] = startedPids(gateway);
    const held = await holdOne('held-by-crash');
    const before = gateway.logs.length;
    expect(await storeOnce(gateway.tcpPort, 'crasher', 'crash')).toBe('RARGH!');
    expect(await held.reply).toBe('RARGH!');
    held.client.close();
    const ended = await logAfter(gateway, before, (l) => l.msg === 'helper ended');
    expect(ended).toMatchObject({ hook: spec, reason: 'exited with code 3', failed: 2, restartInMs: 100 });
    await logAfter(gateway, before, (l) => l.msg === 'helper started');
    const newPid = startedPids(gateway).at(-1);
    expect(newPid).not.toBe(oldPid);
    expect(await storeOnce(gateway.tcpPort, 'after-crash', 'allow')).toBe('W00T!');
    const metrics = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`)).text();
    expect(metrics).toMatch(/jnhp_validator_helper_restarts_total\{hook="[^"]+",process="0"\} 1/);
    expect(metrics).toMatch(/jnhp_validator_helper_in_flight\{hook="[^"]+",process="0"\} 0/);
  });

  it('waits for the restarted helper when none is running, within the timeout', async () => {
    const before = gateway.logs.length;
    const crash = storeOnce(gateway.tcpPort, 'crash-2', 'crash');
    await logAfter(gateway, before, (l) => l.msg === 'helper ended');
    // Sent while the only process is down: it goes to the next one.
    expect(await storeOnce(gateway.tcpPort, 'during-restart', 'allow')).toBe('W00T!');
    expect(await crash).toBe('RARGH!');
  });

  it('fails a request that times out, kills the helper that held it and starts another', async () => {
    const [oldPid] = startedPids(gateway);
    const before = gateway.logs.length;
    expect(await storeOnce(gateway.tcpPort, 'hung', 'hang')).toBe('RARGH!');
    const failure = await logAfter(gateway, before, (l) => l.hook === spec && l.outcome === 'timeout');
    expect(failure.reason).toContain('800 ms');
    expect(await logAfter(gateway, before, (l) => l.msg === 'helper killed')).toMatchObject({ helperPid: oldPid });
    await waitUntil(() => !alive(oldPid as number), `helper ${oldPid} gone`);
    await logAfter(gateway, before, (l) => l.msg === 'helper started');
    expect(await storeOnce(gateway.tcpPort, 'after-hang', 'allow')).toBe('W00T!');
  });
});

describe('the helper: concurrency bound', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts requests in flight across all processes of the hook', async () => {
    const gateway = await spawnGateway([
      '--validator',
      helperSpec(dir),
      '--validator-helpers',
      '2',
      '--validator-concurrency',
      '3',
    ]);
    try {
      // Connected first, so that the ten STOREs go out together.
      const clients = await Promise.all(Array.from({ length: 10 }, () => LineClient.connect(gateway.tcpPort)));
      const replies = await Promise.all(clients.map((client, i) => client.request(`STORE bound${i} slow`, 10_000)));
      for (const client of clients) client.close();
      expect(replies).toEqual(Array(10).fill('W00T!'));
      const events = readFileSync(path.join(dir, 'events'), 'utf8').trim().split('\n');
      let running = 0;
      let most = 0;
      for (const event of events) {
        running += event.startsWith('+') ? 1 : -1;
        most = Math.max(most, running);
      }
      expect(most).toBe(3);
      // Both processes took requests.
      expect(new Set(events.map((event) => event.slice(2))).size).toBe(2);
    } finally {
      await gateway.stop();
    }
  });
});

describe('stopping a gateway with helpers', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    for (const file of readdirSync(dir).filter((f) => f.startsWith('child-'))) {
      try {
        process.kill(Number(readFileSync(path.join(dir, file), 'utf8')), 'SIGKILL');
      } catch {
        // gone, as it should be
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('ends helpers that exit on EOF', async () => {
    const gateway = await spawnGateway(['--validator', helperSpec(dir)]);
    const pids = startedPids(gateway);
    expect(pids).toHaveLength(2);
    expect(await gateway.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    expect(gateway.logs.filter((l) => l.msg === 'helper stopped').map((l) => l.reason)).toEqual([
      'exited with code 0',
      'exited with code 0',
    ]);
  });

  it('leaves no helper process, nor a child of one, when helpers ignore EOF and SIGTERM', async () => {
    const gateway = await spawnGateway(['--validator', helperSpec(dir, '--stubborn')]);
    const pids = startedPids(gateway);
    await waitUntil(() => readdirSync(dir).filter((f) => f.startsWith('child-')).length === 2, 'children started');
    const children = pids.map((pid) => Number(readFileSync(path.join(dir, `child-${pid}`), 'utf8')));
    for (const pid of [...pids, ...children]) expect(alive(pid)).toBe(true);
    expect(await gateway.stop()).toBe(0);
    for (const pid of pids) expect(alive(pid)).toBe(false);
    await waitUntil(() => children.every((pid) => !alive(pid)), 'the helpers’ children gone');
    expect(gateway.logs.filter((l) => l.msg === 'helper stopped').map((l) => l.reason)).toEqual([
      'was killed by SIGKILL',
      'was killed by SIGKILL',
    ]);
  });
});
