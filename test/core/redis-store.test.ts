import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, JnhpError } from '../../core/errors.js';
import { Name } from '../../core/name.js';
import { RedisStore, type RedisStoreOptions } from '../../core/store/redis-store.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';
import { StoreEvents } from '../helpers/store-events.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { storeContract } from '../store.contract.js';

let prefixes = 0;
const freshPrefix = (): string => `t${process.pid}.${prefixes++}:`;

/** A RedisStore on `url` that has connected. */
async function openStore(
  url: string,
  options: Partial<RedisStoreOptions> = {},
): Promise<{ store: RedisStore; events: StoreEvents }> {
  const events = new StoreEvents();
  const store = new RedisStore({ url, prefix: freshPrefix(), timeoutMs: 2000, observer: events, ...options });
  await events.waitFor('available');
  return { store, events };
}

const isStorageUnavailable = (err: unknown): boolean =>
  err instanceof JnhpError && err.code === ErrorCode.StorageUnavailable;

describeWithRedis('RedisStore', () => {
  let redis: RedisServer;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  storeContract('RedisStore', async () => {
    const { store } = await openStore(redis.url);
    return { store, close: () => store.close() };
  });
  storeContract('RedisStore without its local cache', async () => {
    const { store } = await openStore(redis.url, { cacheNames: 0 });
    return { store, close: () => store.close() };
  });

  describe('in Redis', () => {
    it('keeps each name under prefix + name, as a plain string key', async () => {
      const { store } = await openStore(redis.url, { prefix: 'layout:' });
      try {
        expect(await store.putIfAbsent(Name.of('ключ'), 'value with spaces ')).toBe(true);
        expect(await raw.get('layout:ключ')).toBe('value with spaces ');
        await raw.set('layout:set-by-someone', 'theirs');
        expect(await store.get(Name.of('set-by-someone'))).toBe('theirs');
        expect(await store.putIfAbsent(Name.of('set-by-someone'), 'mine')).toBe(false);
      } finally {
        await store.close();
      }
    });
  });

  describe('with its local cache of stored names', () => {
    it('never caches an absent name', async () => {
      const { store } = await openStore(redis.url, { prefix: 'absent:' });
      try {
        expect(await store.has(Name.of('later'))).toBe(false);
        expect(await store.get(Name.of('later'))).toBeUndefined();
        await raw.set('absent:later', 'now');
        expect(await store.has(Name.of('later'))).toBe(true);
        expect(await store.get(Name.of('later'))).toBe('now');
      } finally {
        await store.close();
      }
    });

    it('answers names it has seen stored without asking Redis', async () => {
      const { store } = await openStore(redis.url);
      try {
        expect(await store.putIfAbsent(Name.of('seen'), 'v')).toBe(true);
        expect(store.get(Name.of('seen'))).toBe('v');
        expect(store.has(Name.of('seen'))).toBe(true);
        expect(store.putIfAbsent(Name.of('seen'), 'w')).toBe(false);
        expect(await store.get(Name.of('read'))).toBeUndefined();
        await raw.set(`${(store as unknown as { keys: { prefix: Buffer } }).keys.prefix}read`, 'r');
        expect(await store.get(Name.of('read'))).toBe('r');
        expect(store.get(Name.of('read'))).toBe('r');
      } finally {
        await store.close();
      }
    });

    it('keeps within its bound of names', async () => {
      const { store } = await openStore(redis.url, { cacheNames: 10 });
      try {
        for (let i = 0; i < 100; i++) expect(await store.putIfAbsent(Name.of(`b${i}`), 'v')).toBe(true);
        for (let i = 0; i < 100; i++) expect(await store.get(Name.of(`b${i}`))).toBe('v');
        expect(store.cachedNames).toBeLessThanOrEqual(10);
        expect(store.cachedNames).toBeGreaterThan(0);
      } finally {
        await store.close();
      }
    });

    it('keeps no value larger than its byte bound', async () => {
      const { store } = await openStore(redis.url, { cacheBytes: 1000 });
      try {
        expect(await store.putIfAbsent(Name.of('big'), 'x'.repeat(1000))).toBe(true);
        expect(store.cachedNames).toBe(0);
        expect(await store.get(Name.of('big'))).toBe('x'.repeat(1000));
      } finally {
        await store.close();
      }
    });
  });
});

describeWithRedis('RedisStore when Redis goes away', () => {
  let redis: RedisServer;
  beforeEach(async () => {
    redis = await startRedisServer();
  });
  afterEach(async () => {
    await redis?.stop();
  });

  it('fails at once with storage unavailable while Redis is down, and serves again by itself when it is back', async () => {
    const { store, events } = await openStore(redis.url, { timeoutMs: 10_000 });
    try {
      expect(await store.putIfAbsent(Name.of('before'), 'v')).toBe(true);
      await redis.kill();
      const down = await events.waitFor('unavailable');
      expect(down).toMatchObject({ reason: 'connection lost' });
      const started = performance.now();
      const answers = await Promise.allSettled([
        store.get(Name.of('x')),
        store.has(Name.of('x')),
        store.putIfAbsent(Name.of('x'), 'v'),
        store.ping(),
      ]);
      // "At once": far sooner than the 10 s timeout.
      expect(performance.now() - started).toBeLessThan(2000);
      for (const answer of answers) {
        expect(answer.status).toBe('rejected');
        expect(isStorageUnavailable((answer as PromiseRejectedResult).reason)).toBe(true);
      }
      const seen = events.events.length;
      await redis.restart();
      expect(await events.waitFor('available', seen)).toMatchObject({ downForMs: expect.any(Number) });
      await expect(store.ping()).resolves.toBeUndefined();
      expect(await store.get(Name.of('before'))).toBe('v');
      expect(await store.putIfAbsent(Name.of('after'), 'v')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('never applies a STORE answered with storage unavailable once Redis is back', async () => {
    const { store, events } = await openStore(redis.url, { prefix: 'late:' });
    try {
      await redis.kill();
      await events.waitFor('unavailable');
      await expect(store.putIfAbsent(Name.of('refused'), 'v')).rejects.toSatisfy(isStorageUnavailable);
      const seen = events.events.length;
      await redis.restart();
      await events.waitFor('available', seen);
      expect(await store.get(Name.of('refused'))).toBeUndefined();
      const raw = new Redis(redis.port, '127.0.0.1');
      expect(await raw.keys('late:*')).toEqual([]);
      raw.disconnect();
    } finally {
      await store.close();
    }
  });

  it('answers the names it has seen stored while Redis is down, and storage unavailable for the others', async () => {
    const { store, events } = await openStore(redis.url);
    try {
      expect(await store.putIfAbsent(Name.of('known'), 'v')).toBe(true);
      await redis.kill();
      await events.waitFor('unavailable');
      expect(store.get(Name.of('known'))).toBe('v');
      expect(store.has(Name.of('known'))).toBe(true);
      expect(store.putIfAbsent(Name.of('known'), 'w')).toBe(false);
      await expect(store.get(Name.of('unknown'))).rejects.toSatisfy(isStorageUnavailable);
      await expect(store.has(Name.of('unknown'))).rejects.toSatisfy(isStorageUnavailable);
    } finally {
      await store.close();
    }
  });

  it('forgets its cache when it connects again, in case Redis lost data meanwhile', async () => {
    const { store, events } = await openStore(redis.url, { prefix: 'flushed:' });
    const raw = new Redis(redis.port, '127.0.0.1');
    try {
      expect(await store.putIfAbsent(Name.of('gone'), 'v')).toBe(true);
      await raw.del('flushed:gone');
      raw.disconnect();
      await redis.kill();
      await events.waitFor('unavailable');
      const seen = events.events.length;
      await redis.restart();
      await events.waitFor('available', seen);
      expect(await store.get(Name.of('gone'))).toBeUndefined();
    } finally {
      raw.disconnect();
      await store.close();
    }
  });

  it('starts while Redis is unreachable, says so, and serves once Redis appears', async () => {
    await redis.kill();
    const events = new StoreEvents();
    const store = new RedisStore({ url: redis.url, prefix: freshPrefix(), timeoutMs: 2000, observer: events });
    try {
      expect(await events.waitFor('unavailable')).toMatchObject({ reason: 'Redis unreachable' });
      await expect(store.ping()).rejects.toSatisfy(isStorageUnavailable);
      await expect(store.get(Name.of('x'))).rejects.toSatisfy(isStorageUnavailable);
      await redis.restart();
      expect(await events.waitFor('available')).toMatchObject({ downForMs: null });
      expect(await store.putIfAbsent(Name.of('x'), 'v')).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('answers storage unavailable within its timeout while Redis is paused, and serves again when it resumes', async () => {
    const { store, events } = await openStore(redis.url, { timeoutMs: 500 });
    try {
      redis.pause();
      const started = performance.now();
      await expect(store.putIfAbsent(Name.of('paused'), 'v')).rejects.toSatisfy(isStorageUnavailable);
      const waited = performance.now() - started;
      expect(waited).toBeGreaterThanOrEqual(450);
      expect(waited).toBeLessThan(2500);
      await events.waitFor('unavailable');
      await expect(store.ping()).rejects.toSatisfy(isStorageUnavailable);
      const seen = events.events.length;
      redis.resume();
      await events.waitFor('available', seen);
      // The STORE that timed out reached Redis late, and Redis refused it.
      expect(await store.get(Name.of('paused'))).toBeUndefined();
      expect(await store.putIfAbsent(Name.of('paused'), 'w')).toBe(true);
    } finally {
      redis.resume();
      await store.close();
    }
  });
});

describeWithRedis('RedisStore when a reply is lost', () => {
  let redis: RedisServer;
  let proxy: TcpProxy;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });
  beforeEach(async () => {
    proxy = await TcpProxy.start(redis.port);
  });
  afterEach(async () => {
    await proxy?.close();
  });

  const isWrite = (request: Buffer): boolean => /evalsha/i.test(request.toString('latin1'));
  // The script answers one character per STORE (redis-write-script.ts): `1` is stored.
  const isStored = (reply: Buffer): boolean => reply.toString('latin1').startsWith('$1\r\n1\r\n');

  it('recognises its own earlier write when it re-sends a STORE whose reply was lost, and answers stored', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost1:' });
    try {
      proxy.loseReply(isWrite, isStored);
      const stored = store.putIfAbsent(Name.of('mine'), 'v');
      await proxy.waitForCut();
      // Redis applied the first send; only its answer was lost.
      expect(await raw.get('lost1:mine')).toBe('v');
      proxy.admit();
      expect(await stored).toBe(true);
      expect(await raw.get('lost1:mine')).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('recognises its own earlier write when the replies to its first send and to its re-send are both lost', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost7:' });
    try {
      proxy.loseReply(isWrite, isStored);
      const stored = store.putIfAbsent(Name.of('twice'), 'v');
      await proxy.waitForCut();
      // The re-send learns from the first send's record that it stored the value: lose that answer too.
      proxy.loseReply(isWrite, (reply) => reply.toString('latin1').startsWith('$1\r\n2\r\n'));
      proxy.admit();
      await proxy.waitForCut();
      proxy.admit();
      expect(await stored).toBe(true);
      // Three sends, three records; the last named the other two.
      expect(await raw.keys('lost7:* writes')).toHaveLength(3);
      expect(await raw.get('lost7:twice')).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('answers storage unavailable when a re-sent STORE cannot tell whose value the name holds', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost2:' });
    try {
      proxy.loseReply(isWrite, isStored);
      const stored = store.putIfAbsent(Name.of('mine'), 'v');
      await proxy.waitForCut();
      // Forget the record of the call that stored it: nothing tells whose value 'v' is now.
      const records = await raw.keys('lost2:* writes');
      expect(records).toHaveLength(1);
      expect(await raw.del(...records)).toBe(1);
      proxy.admit();
      await expect(stored).rejects.toSatisfy(isStorageUnavailable);
    } finally {
      await store.close();
    }
  });

  it('answers exists when its STORE never arrived and another writer stored the name meanwhile', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost3:' });
    const { store: other } = await openStore(redis.url, { prefix: 'lost3:' });
    try {
      proxy.hold();
      const stored = store.putIfAbsent(Name.of('contested'), 'mine');
      await proxy.waitForHeld('contested');
      proxy.cutAll();
      expect(await other.putIfAbsent(Name.of('contested'), 'theirs')).toBe(true);
      proxy.admit();
      expect(await stored).toBe(false);
      expect(await store.get(Name.of('contested'))).toBe('theirs');
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('answers storage unavailable when its STORE never arrived and another writer stored the same value meanwhile', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost8:' });
    const { store: other } = await openStore(redis.url, { prefix: 'lost8:' });
    try {
      proxy.hold();
      const stored = store.putIfAbsent(Name.of('twin'), 'same');
      await proxy.waitForHeld('twin');
      proxy.cutAll();
      expect(await other.putIfAbsent(Name.of('twin'), 'same')).toBe(true);
      proxy.admit();
      // No record of the first send, and the name holds this very value: it may be ours.
      await expect(stored).rejects.toSatisfy(isStorageUnavailable);
    } finally {
      await other.close();
      await store.close();
    }
  });

  it('writes a STORE whose first send never arrived when it re-sends it before its deadline', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost4:' });
    try {
      proxy.hold();
      const stored = store.putIfAbsent(Name.of('resent'), 'v');
      const read = store.get(Name.of('resent'));
      await proxy.waitForHeld('resent');
      proxy.cutAll();
      proxy.admit();
      expect(await stored).toBe(true);
      // The GET pipelined behind it was re-sent behind it too.
      expect(await read).toBe('v');
      expect(await raw.get('lost4:resent')).toBe('v');
    } finally {
      await store.close();
    }
  });

  it('fails a STORE at its deadline when its reply is lost and Redis stays away', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost5:', timeoutMs: 500 });
    try {
      proxy.loseReply(isWrite);
      const started = performance.now();
      await expect(store.putIfAbsent(Name.of('away'), 'v')).rejects.toSatisfy(isStorageUnavailable);
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      await store.close();
    }
  });

  it('answers storage unavailable within its timeout when Redis does not answer, and Redis refuses the write when it arrives late', async () => {
    const { store } = await openStore(proxy.url, { prefix: 'lost6:', timeoutMs: 400 });
    try {
      proxy.hold();
      const started = performance.now();
      await expect(store.putIfAbsent(Name.of('late'), 'v')).rejects.toSatisfy(isStorageUnavailable);
      expect(performance.now() - started).toBeLessThan(2400);
      proxy.release();
      // Anything sent after the STORE on its connection is answered after Redis ran it.
      await expect(store.has(Name.of('late'))).resolves.toBe(false);
      expect(await raw.get('lost6:late')).toBeNull();
    } finally {
      await store.close();
    }
  });
});

describeWithRedis('RedisStore batching what one turn of the event loop sends', () => {
  let redis: RedisServer;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  /** Calls of each Redis command so far. */
  const calls = async (): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const match of (await raw.info('commandstats')).matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
      counts[match[1] as string] = Number(match[2]);
    }
    return counts;
  };

  it('answers reads and STOREs started together in their order, with a few commands for many', async () => {
    const { store } = await openStore(redis.url, { prefix: 'batch1:', cacheNames: 0 });
    try {
      const before = await calls();
      const answers = Promise.all([
        store.putIfAbsent(Name.of('a'), '1'),
        store.get(Name.of('a')),
        store.has(Name.of('a')),
        store.putIfAbsent(Name.of('a'), '2'),
        store.get(Name.of('b')),
        store.has(Name.of('b')),
        store.putIfAbsent(Name.of('b'), 'x'),
        store.putIfAbsent(Name.of('c'), 'y'),
        store.get(Name.of('b')),
        store.get(Name.of('c')),
        ...Array.from({ length: 40 }, (_, i) => store.putIfAbsent(Name.of(`many${i}`), `v${i}`)),
        ...Array.from({ length: 40 }, (_, i) => store.get(Name.of(`many${i}`))),
      ]);
      const got = await answers;
      expect(got.slice(0, 10)).toEqual([true, '1', true, false, undefined, false, true, true, 'x', 'y']);
      expect(got.slice(10, 50)).toEqual(Array(40).fill(true));
      expect(got.slice(50)).toEqual(Array.from({ length: 40 }, (_, i) => `v${i}`));
      const after = await calls();
      const sent = (command: string): number => (after[command] ?? 0) - (before[command] ?? 0);
      // 90 operations in 8 runs of reads or of STOREs; the run of 40 STOREs takes two script calls.
      expect(sent('evalsha')).toBe(5);
      expect(sent('mget')).toBe(4);
    } finally {
      await store.close();
    }
  });

  it('gives one W00T! when many STOREs of one name go out in one script call', async () => {
    const { store } = await openStore(redis.url, { prefix: 'batch2:' });
    try {
      const stored = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.putIfAbsent(Name.of('contested'), `v${i}`)),
      );
      expect(stored.filter((s) => s)).toEqual([true]);
      expect(await raw.get('batch2:contested')).toBe(`v${stored.indexOf(true)}`);
    } finally {
      await store.close();
    }
  });

  it('re-sends STOREs of two turns in two script calls, each call with its own deadline', async () => {
    const proxy = await TcpProxy.start(redis.port);
    const { store } = await openStore(proxy.url, { prefix: 'batch4:' });
    try {
      proxy.hold();
      const first = store.putIfAbsent(Name.of('early'), 'v1');
      await proxy.waitForHeld('early');
      // A later turn: a later deadline.
      const second = store.putIfAbsent(Name.of('later'), 'v2');
      await proxy.waitForHeld('later');
      const before = await calls();
      // Neither send arrived: both are re-sent on the next connection, together.
      proxy.cutAll();
      proxy.admit();
      expect(await Promise.all([first, second])).toEqual([true, true]);
      expect((await calls()).evalsha ?? 0).toBe((before.evalsha ?? 0) + 2);
      expect(await raw.mget('batch4:early', 'batch4:later')).toEqual(['v1', 'v2']);
    } finally {
      await store.close();
      await proxy.close();
    }
  });

  it('re-sends a batch of STOREs whose reply was lost, and recognises each of its own writes', async () => {
    const proxy = await TcpProxy.start(redis.port);
    const { store } = await openStore(proxy.url, { prefix: 'batch3:' });
    try {
      proxy.loseReply(
        (request) => /evalsha/i.test(request.toString('latin1')),
        (reply) => /^\$10\r\n1{10}\r\n/.test(reply.toString('latin1')),
      );
      const names = Array.from({ length: 10 }, (_, i) => `lost${i}`);
      const stored = Promise.all(names.map((name) => store.putIfAbsent(Name.of(name), `value of ${name}`)));
      await proxy.waitForCut();
      // Redis applied the batch; only its answer was lost.
      expect(await raw.get('batch3:lost9')).toBe('value of lost9');
      proxy.admit();
      expect(await stored).toEqual(Array(10).fill(true));
      for (const name of names) expect(await raw.get(`batch3:${name}`)).toBe(`value of ${name}`);
    } finally {
      await store.close();
      await proxy.close();
    }
  });
});
