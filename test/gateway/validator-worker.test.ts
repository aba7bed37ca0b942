import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture, hookFailures, logAfter, waitUntil } from '../helpers/validator-fixtures.js';

const WORKER = `worker:${fixture('decide-worker.mjs')}`;

describe('a worker: validator', () => {
  let gateway: SpawnedGateway;
  let client: LineClient;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'jnhp-worker-'));
    gateway = await spawnGateway(['--validator', WORKER, '--validator-timeout-ms', '2500', '--validator-workers', '2']);
    client = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    await gateway?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stores when the function returns true', async () => {
    expect(await client.request('STORE w-ok allow')).toBe('W00T!');
    expect(await client.request('GET w-ok')).toBe('allow');
  });

  it('hands the function the name and the client context: transport, address and user', async () => {
    expect(await client.request('STORE ctx-worker context')).toBe('W00T!');
  });

  it('answers RARGH! and logs nothing when the function returns false', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE w-no refuse')).toBe('RARGH!');
    expect(await client.request('GET w-no')).toBe('');
    expect(hookFailures(gateway, before)).toEqual([]);
  });

  it.each([
    ['throw', 'the worker hook threw'],
    ['garbage', "returned the string 'yes'"],
    ['crash', 'exited'],
  ])('fails closed and logs the reason when the function errs (%s)', async (value, reason) => {
    const before = gateway.logs.length;
    expect(await client.request(`STORE w-${value} ${value}`)).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => l.hook === WORKER);
    expect(log).toMatchObject({ outcome: 'error', level: 'warn' });
    expect(log.reason).toContain(reason);
    expect(await client.request(`GET w-${value}`)).toBe('');
  });

  it('fails closed at the timeout, and the pool goes on with a fresh thread', async () => {
    const before = gateway.logs.length;
    expect(await client.request('STORE w-slow slow', 10_000)).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => l.hook === WORKER);
    expect(log).toMatchObject({ outcome: 'timeout' });
    expect(await client.request('STORE w-after allow')).toBe('W00T!');
  });

  it('does not delay a GET on another connection while the function busy-loops for 1 s', async () => {
    expect(await client.request('STORE w-seen allow')).toBe('W00T!');
    const busy = await LineClient.connect(gateway.tcpPort);
    const other = await LineClient.connect(gateway.tcpPort);
    try {
      const marker = path.join(dir, 'busy-started');
      busy.send(`STORE w-busy busy:${marker}\r\n`);
      await waitUntil(() => existsSync(marker), 'the busy loop started');
      const started = Date.now();
      expect(await other.request('GET w-seen', 500)).toBe('allow');
      expect(await other.request('PING', 500)).toBe('PONG');
      expect(Date.now() - started).toBeLessThan(300);
      expect(await busy.readLine(5000)).toBe('W00T!');
    } finally {
      busy.close();
      other.close();
    }
  });
});

describe('the worker: pool size', () => {
  it('runs one call at a time with --validator-workers 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'jnhp-pool-'));
    const gateway = await spawnGateway(['--validator', WORKER, '--validator-workers', '1']);
    try {
      const started = Date.now();
      const replies = await Promise.all(
        [0, 1].map(async (i) => {
          const client = await LineClient.connect(gateway.tcpPort);
          const reply = await client.request(`STORE pool${i} busy:${path.join(dir, `busy${i}`)}`, 10_000);
          client.close();
          return reply;
        }),
      );
      expect(replies).toEqual(['W00T!', 'W00T!']);
      // Two 1 s busy loops on one thread cannot overlap.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    } finally {
      await gateway.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
