// A Redis failure never produces a false answer (SPEC 1, 5): Redis killed
// under load and restarted, Redis paused, Redis absent at startup.

import { Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { spawnRedisGateway } from '../helpers/redis-gateway.js';
import { describeWithRedis, freePort, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const UNAVAILABLE = 'ERROR storage unavailable';
const TIMEOUT_MS = 1000;

type Kind = 'store-new' | 'get-stored' | 'get-absent' | 'exists-absent';

interface Exchange {
  readonly kind: Kind;
  readonly name: string;
  /** The value a STORE sent, or the one a GET of a stored name must return. */
  readonly value: string;
  readonly sentAt: number;
  readonly repliedAt: number;
  readonly reply: string;
}

/**
 * One client connection sending batches of: STOREs of names never used
 * before, a GET of a name it was told W00T! for, a GET and an EXISTS of a
 * name nobody stores. Records every exchange with its times.
 */
async function drive(
  client: LineClient,
  id: number,
  acked: Map<string, string>,
  log: Exchange[],
  running: () => boolean,
): Promise<void> {
  let n = 0;
  while (running()) {
    const batch: { kind: Kind; name: string; value: string; line: string }[] = [];
    for (let i = 0; i < 4; i++, n++) {
      const name = `u${id}_${n}`;
      batch.push({ kind: 'store-new', name, value: `v${id}_${n}`, line: `STORE ${name} v${id}_${n}` });
    }
    const stored = [...acked.entries()];
    const pick = stored[(n * 7919) % Math.max(stored.length, 1)];
    if (pick !== undefined) batch.push({ kind: 'get-stored', name: pick[0], value: pick[1], line: `GET ${pick[0]}` });
    batch.push({ kind: 'get-absent', name: `absent${id}_${n}`, value: '', line: `GET absent${id}_${n}` });
    batch.push({ kind: 'exists-absent', name: `absent${id}_${n}`, value: '', line: `EXISTS absent${id}_${n}` });
    const sentAt = performance.now();
    client.send(`${batch.map((b) => b.line).join('\r\n')}\r\n`);
    const replies = await client.readLines(batch.length, 10_000);
    const repliedAt = performance.now();
    for (const [i, b] of batch.entries()) {
      const reply = replies[i] as string;
      log.push({ kind: b.kind, name: b.name, value: b.value, sentAt, repliedAt, reply });
      if (b.kind === 'store-new' && reply === 'W00T!') acked.set(b.name, b.value);
    }
  }
}

/** What a command may answer whenever it runs: a true answer, or ERROR storage unavailable. */
function allowedAlways(e: Exchange): boolean {
  switch (e.kind) {
    case 'store-new':
      return e.reply === 'W00T!' || e.reply === UNAVAILABLE;
    case 'get-stored':
      return e.reply === e.value || e.reply === UNAVAILABLE;
    case 'get-absent':
      return e.reply === '' || e.reply === UNAVAILABLE;
    case 'exists-absent':
      return e.reply === 'RARGH!' || e.reply === UNAVAILABLE;
  }
}

/** While Redis is down, only a name seen stored may be answered (from the local cache). */
function allowedDuringOutage(e: Exchange): boolean {
  return e.kind === 'get-stored' ? e.reply === e.value || e.reply === UNAVAILABLE : e.reply === UNAVAILABLE;
}

async function readyz(gateway: SpawnedGateway): Promise<number> {
  return (await fetch(`http://127.0.0.1:${gateway.httpPort}/readyz`)).status;
}

describeWithRedis('the gateway when Redis fails', () => {
  let redis: RedisServer | undefined;
  let gateways: SpawnedGateway[] = [];
  afterEach(async () => {
    redis?.resume();
    await Promise.all(gateways.map((g) => g.stop()));
    gateways = [];
    await redis?.stop();
    redis = undefined;
  });

  it('never answers falsely while Redis is killed under load, keeps every W00T! across the restart, and serves again without a restart of its own', async () => {
    const server = await startRedisServer();
    redis = server;
    gateways = await Promise.all(
      [0, 1].map(() =>
        spawnRedisGateway(server, ['--redis-prefix', 'kill:', '--store-timeout-ms', String(TIMEOUT_MS)]),
      ),
    );
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, c) => LineClient.connect((gateways[c % 2] as SpawnedGateway).tcpPort)),
    );
    const acked = new Map<string, string>();
    const log: Exchange[] = [];
    let running = true;
    const load = Promise.all(clients.map((client, c) => drive(client, c, acked, log, () => running)));
    try {
      const ackedBefore = (): number => acked.size;
      await expect.poll(ackedBefore, { timeout: 10_000, interval: 20 }).toBeGreaterThan(500);

      await server.kill();
      const killedAt = performance.now();
      for (const g of gateways) await g.waitForLog((l) => l.msg === 'store unavailable');
      // Longer than the timeout: commands in flight at the kill have expired too.
      await expect
        .poll(() => log.filter((e) => e.sentAt > killedAt + TIMEOUT_MS).length, { timeout: 10_000, interval: 20 })
        .toBeGreaterThan(200);
      for (const g of gateways) expect(await readyz(g)).toBe(503);

      const restartAt = performance.now();
      await server.restart();
      for (const g of gateways) await g.waitForLog((l) => l.msg === 'store reconnected');
      const ackedAtRestart = acked.size;
      await expect.poll(() => acked.size, { timeout: 10_000, interval: 20 }).toBeGreaterThan(ackedAtRestart + 200);
      for (const g of gateways) expect(await readyz(g)).toBe(200);
      running = false;
      await load;

      expect(log.filter((e) => !allowedAlways(e))).toEqual([]);
      const outage = log.filter((e) => e.sentAt >= killedAt && e.repliedAt <= restartAt);
      expect(outage.length).toBeGreaterThan(200);
      expect(outage.filter((e) => !allowedDuringOutage(e))).toEqual([]);

      // Every W00T! survived the kill, and every gateway returns it.
      const names = [...acked.keys()];
      const raw = new Redis(server.port, '127.0.0.1');
      expect(await raw.mget(names.map((n) => `kill:${n}`))).toEqual([...acked.values()]);
      // A STORE answered ERROR during the outage was never applied later.
      const refused = outage.filter((e) => e.kind === 'store-new').map((e) => `kill:${e.name}`);
      expect(await raw.exists(refused)).toBe(0);
      raw.disconnect();
      for (const g of gateways) {
        const reader = await LineClient.connect(g.tcpPort);
        reader.send(`${names.map((n) => `GET ${n}`).join('\r\n')}\r\n`);
        expect(await reader.readLines(names.length, 20_000)).toEqual([...acked.values()]);
        reader.close();
      }
    } finally {
      running = false;
      await load.catch(() => undefined);
      for (const client of clients) client.close();
    }
  });

  it('answers ERROR within the timeout while Redis is paused, not a hang, and serves again when it resumes', async () => {
    const server = await startRedisServer();
    redis = server;
    const gateway = await spawnRedisGateway(server, ['--store-timeout-ms', String(TIMEOUT_MS)]);
    gateways = [gateway];
    const client = await LineClient.connect(gateway.tcpPort);
    try {
      expect(await client.request('STORE before v')).toBe('W00T!');
      server.pause();
      const started = performance.now();
      client.send('STORE during v\r\nGET other\r\nEXISTS other\r\n');
      expect(await client.readLines(3, 5000)).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE]);
      // Within the timeout plus a generous margin for a loaded machine.
      expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 1500);
      await gateway.waitForLog((l) => l.msg === 'store unavailable');
      expect(await readyz(gateway)).toBe(503);
      // A name this gateway saw stored is still answered.
      expect(await client.request('GET before')).toBe('v');

      server.resume();
      await gateway.waitForLog((l) => l.msg === 'store reconnected');
      expect(await readyz(gateway)).toBe(200);
      expect(await client.request('GET during')).toBe('');
      expect(await client.request('STORE during w')).toBe('W00T!');
    } finally {
      client.close();
    }
  });

  it('starts while Redis is unreachable, logs it, answers ERROR storage unavailable, and serves once Redis appears', async () => {
    const port = await freePort();
    const gateway = await spawnGateway(['--store', 'redis', '--redis-url', `redis://127.0.0.1:${port}`]);
    gateways = [gateway];
    const down = await gateway.waitForLog((l) => l.msg === 'store unavailable');
    expect(down).toMatchObject({ level: 'error', reason: 'Redis unreachable', store: `redis://127.0.0.1:${port}` });
    expect(String(down.err)).toMatch(/ECONNREFUSED/);
    expect(await readyz(gateway)).toBe(503);
    const client = await LineClient.connect(gateway.tcpPort);
    try {
      expect(await client.request('GET x')).toBe(UNAVAILABLE);
      expect(await client.request('STORE x v')).toBe(UNAVAILABLE);
      expect(await client.request('PING')).toBe('PONG');

      redis = await startRedisServer({ port });
      await gateway.waitForLog((l) => l.msg === 'store connected');
      expect(await readyz(gateway)).toBe(200);
      expect(await client.request('GET x')).toBe('');
      expect(await client.request('STORE x v')).toBe('W00T!');
    } finally {
      client.close();
    }
  });
});
