// SPEC section 10 (--store-rate, --max-connections-per-address) and hooks
// learning the user (section 4), through a spawned gateway.

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AclFile, hash } from '../helpers/acl-file.js';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture } from '../helpers/validator-fixtures.js';
import { WsClient } from '../helpers/ws-client.js';

const RATE_LIMITED = /^ERROR rate limit exceeded/;

describe('--store-rate, with a module: hook that sees the user', () => {
  let gateway: SpawnedGateway;
  let calls: string;
  const called = (): string[] => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);

  beforeAll(async () => {
    calls = path.join(mkdtempSync(path.join(tmpdir(), 'jnhp-calls-')), 'calls');
    // A user per test, so that each test starts with full buckets.
    const users = ['hook', 'resthook', 'tcprate', 'own1', 'own2'].map(
      (u) => `user ${u} on ${hash(`tok-${u}`)} ~* +read +write`,
    );
    const acl = new AclFile(['user default on nopass ~* +read +write', ...users, ''].join('\n'));
    gateway = await spawnGateway(
      ['--acl-file', acl.path, '--store-rate', '1', '--validator', `module:${fixture('user-module.cjs')}#check`],
      { env: { JNHP_TEST_CALLS: calls } },
    );
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('hands a module: hook the user after AUTH, default before, and the bearer token user on REST', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    try {
      expect(await client.request('STORE hook-default by-default')).toBe('W00T!');
      expect(await client.request('AUTH tok-hook')).toBe('W00T!');
      expect(await client.request('STORE hook-user by-hook')).toBe('W00T!');
      expect(called()).toEqual(['hook-default default', 'hook-user hook']);
      const put = await fetch(`http://127.0.0.1:${gateway.httpPort}/keys/hook-rest`, {
        method: 'PUT',
        body: 'by-resthook',
        headers: { Authorization: 'Bearer tok-resthook' },
      });
      expect(put.status).toBe(201);
      expect(called().at(-1)).toBe('hook-rest resthook');
    } finally {
      client.close();
    }
  });

  it('answers ERROR rate limit exceeded over TCP past the rate, without running the hook', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    try {
      expect(await client.request('AUTH tok-tcprate')).toBe('W00T!');
      const before = called().length;
      // Pipelined: all of them arrive well within the second that refills one STORE.
      client.send(Array.from({ length: 5 }, (_, i) => `STORE tcp-rate-${i} by-tcprate\r\n`).join(''));
      const replies = await client.readLines(5);
      const stored = replies.filter((r) => r === 'W00T!').length;
      expect(stored).toBeGreaterThanOrEqual(1);
      expect(replies.filter((r) => RATE_LIMITED.test(r)).length).toBe(5 - stored);
      expect(replies.filter((r) => RATE_LIMITED.test(r)).length).toBeGreaterThanOrEqual(3);
      expect(called().length - before).toBe(stored);
    } finally {
      client.close();
    }
  });

  it('answers 429 with Retry-After over REST past the rate, without running the hook', async () => {
    const before = called().length;
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        fetch(`http://127.0.0.1:${gateway.httpPort}/keys/rest-rate-${i}`, { method: 'PUT', body: 'by-default' }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    const limited = responses.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    for (const res of limited) {
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(((await res.json()) as { type: string }).type).toMatch(/rate_limited$/);
    }
    const stored = statuses.filter((s) => s === 201).length;
    expect(stored + limited.length).toBe(5);
    expect(called().length - before).toBe(stored);
  });

  it('gives each user a bucket of its own', async () => {
    const a = await LineClient.connect(gateway.tcpPort);
    const b = await LineClient.connect(gateway.tcpPort);
    try {
      expect(await a.request('AUTH tok-own1')).toBe('W00T!');
      expect(await b.request('AUTH tok-own2')).toBe('W00T!');
      a.send('STORE own-a1 by-own1\r\nSTORE own-a2 by-own1\r\nSTORE own-a3 by-own1\r\n');
      expect((await a.readLines(3)).filter((r) => RATE_LIMITED.test(r)).length).toBeGreaterThanOrEqual(1);
      expect(await b.request('STORE own-b by-own2')).toBe('W00T!');
    } finally {
      a.close();
      b.close();
    }
  });
});

describe('--max-connections-per-address', () => {
  let gateway: SpawnedGateway;
  beforeAll(async () => {
    gateway = await spawnGateway(['--max-connections-per-address', '2']);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('refuses TCP and WebSocket connections from one address past the cap, and accepts again after a close', async () => {
    const first = await LineClient.connect(gateway.tcpPort);
    const second = await WsClient.connect(gateway.httpPort);
    expect(await first.request('PING')).toBe('PONG');
    expect(await second.request('PING')).toBe('PONG');

    const third = await LineClient.connect(gateway.tcpPort);
    expect(await third.readLine()).toBe(
      'ERROR too many connections from one address (see --max-connections-per-address)',
    );
    await third.waitClosed();
    const fourth = await WsClient.connect(gateway.httpPort);
    expect(await fourth.read(1)).toEqual([
      'ERROR too many connections from one address (see --max-connections-per-address)',
    ]);
    expect(await fourth.waitClosed()).toBe(1013);

    first.close();
    await first.waitClosed();
    // The server sees the close a moment after the client: try until it has.
    let again = await LineClient.connect(gateway.tcpPort);
    for (let i = 0; i < 50 && (await again.request('PING').catch(() => 'closed')) !== 'PONG'; i++) {
      again.close();
      again = await LineClient.connect(gateway.tcpPort);
    }
    expect(await again.request('PING')).toBe('PONG');
    again.close();
    second.close();
  });
});
