import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture } from '../helpers/validator-fixtures.js';

// A validator that takes 1.5 s to allow.
const SLOW = `exec:${fixture('sleep-then.sh')} 1.5 1`;

describe('STOREs waiting on a slow validator', () => {
  let gateway: SpawnedGateway;
  let other: LineClient;
  beforeAll(async () => {
    gateway = await spawnGateway(['--validator', SLOW]);
    other = await LineClient.connect(gateway.tcpPort);
    expect(await other.request('STORE present here')).toBe('W00T!');
  });
  afterAll(async () => {
    other?.close();
    await gateway?.stop();
  });

  it('never delay GET, EXISTS, PING or a STORE of an existing name on another connection, and run side by side', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => LineClient.connect(gateway.tcpPort)));
    try {
      const started = Date.now();
      const stores = clients.map((c, i) => c.request(`STORE iso${i} v${i}`, 10_000));
      // Each answer must come well before the validators do (1.5 s).
      for (const [line, reply] of [
        ['GET present', 'here'],
        ['EXISTS present', 'AWESOME!'],
        ['PING', 'PONG'],
        ['STORE present again', 'RARGH!'],
        ['GET iso0', ''],
      ]) {
        const asked = Date.now();
        expect(await other.request(line as string, 1000)).toBe(reply);
        expect(Date.now() - asked, line).toBeLessThan(300);
      }
      expect(await Promise.all(stores)).toEqual(Array(10).fill('W00T!'));
      // Side by side: about one validator time, not ten (15 s).
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await other.request('GET iso9')).toBe('v9');
    } finally {
      for (const c of clients) c.close();
    }
  });

  it('give exactly one W00T! when several race for one name, all passing validation', async () => {
    const clients = await Promise.all(Array.from({ length: 5 }, () => LineClient.connect(gateway.tcpPort)));
    try {
      const replies = await Promise.all(clients.map((c, i) => c.request(`STORE race v${i}`, 10_000)));
      expect(replies.filter((r) => r === 'W00T!')).toHaveLength(1);
      expect(replies.filter((r) => r === 'RARGH!')).toHaveLength(4);
      const winner = replies.indexOf('W00T!');
      expect(await other.request('GET race')).toBe(`v${winner}`);
    } finally {
      for (const c of clients) c.close();
    }
  });
});
