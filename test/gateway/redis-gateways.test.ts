// Several gateway processes on one Redis behave as one server (SPEC 1, 5).

import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { spawnRedisGateway } from '../helpers/redis-gateway.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import type { SpawnedGateway } from '../helpers/spawn-gateway.js';

const NAMES = 200;
const CONNECTIONS = 50;

/** A reproducible shuffle (xorshift), so that every connection races in its own order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let x = seed * 2654435761 + 1;
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describeWithRedis('three gateway processes on one Redis', () => {
  let redis: RedisServer;
  let gateways: SpawnedGateway[] = [];
  beforeAll(async () => {
    redis = await startRedisServer();
    gateways = await Promise.all([0, 1, 2].map(() => spawnRedisGateway(redis, ['--redis-prefix', 'race:'])));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await redis?.stop();
  });

  it('gives exactly one W00T! per name to 50 connections racing STOREs over them, and every gateway then returns the winner', async () => {
    const names = Array.from({ length: NAMES }, (_, i) => `name-${i}`);
    const clients = await Promise.all(
      Array.from({ length: CONNECTIONS }, (_, c) => LineClient.connect((gateways[c % 3] as SpawnedGateway).tcpPort)),
    );
    try {
      const orders = clients.map((_, c) => shuffled(names, c + 1));
      // Line by line, round robin over the connections, so that they truly race.
      for (let i = 0; i < NAMES; i++) {
        for (const [c, client] of clients.entries()) client.send(`STORE ${(orders[c] as string[])[i]} from-${c}\r\n`);
      }
      const replies = await Promise.all(clients.map((client) => client.readLines(NAMES, 20_000)));

      const winners = new Map<string, number[]>(names.map((n) => [n, []]));
      for (const [c, lines] of replies.entries()) {
        for (const [i, reply] of lines.entries()) {
          expect(['W00T!', 'RARGH!']).toContain(reply);
          if (reply === 'W00T!') winners.get((orders[c] as string[])[i] as string)?.push(c);
        }
      }
      // Which gateway wins depends on scheduling; the clients of the others must all have been told RARGH!.
      const counts = [...winners.values()].map((w) => w.length);
      expect(counts.filter((n) => n !== 1)).toEqual([]);
      const expected = names.map((n) => `from-${(winners.get(n) as number[])[0]}`);
      for (const gateway of gateways) {
        const reader = await LineClient.connect(gateway.tcpPort);
        reader.send(`${names.map((n) => `GET ${n}`).join('\r\n')}\r\n`);
        expect(await reader.readLines(NAMES)).toEqual(expected);
        reader.close();
      }
      const raw = new Redis(redis.port, '127.0.0.1');
      expect(await raw.mget(names.map((n) => `race:${n}`))).toEqual(expected);
      raw.disconnect();
    } finally {
      for (const client of clients) client.close();
    }
  });
});
