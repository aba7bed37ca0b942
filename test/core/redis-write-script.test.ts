import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WRITE_SCRIPT, WRITE_SCRIPT_SHA, WriteResult, writeScriptArgs } from '../../core/store/redis-write-script.js';
import { describeWithRedis, type RedisServer, startRedisServer } from '../helpers/redis-server.js';

interface Entry {
  readonly key: string;
  readonly value: string;
  readonly earlier: (string | number)[] | null;
}

describeWithRedis('the write script', () => {
  let redis: RedisServer;
  let raw: Redis;
  beforeAll(async () => {
    redis = await startRedisServer();
    raw = new Redis(redis.port, '127.0.0.1');
    await raw.script('LOAD', WRITE_SCRIPT);
  });
  afterAll(async () => {
    raw?.disconnect();
    await redis?.stop();
  });

  const far = Date.now() + 3_600_000;
  const run = (entries: readonly Entry[], record: string | null, deadline = far): Promise<unknown> =>
    raw.call('evalsha', writeScriptArgs(entries, deadline, record, 10_000));
  const first = (key: string, value: string): Entry => ({ key, value, earlier: null });

  it('stores absent names, refuses taken ones, and leaves one record of the call', async () => {
    await raw.set('s1:taken', 'theirs');
    expect(await run([first('s1:a', 'x'), first('s1:taken', 'y'), first('s1:a', 'z')], 's1:c1 writes')).toBe('100');
    expect(await raw.get('s1:a')).toBe('x');
    expect(await raw.get('s1:c1 writes')).toBe('100');
    expect(await raw.pttl('s1:c1 writes')).toBeGreaterThan(0);
    expect(await raw.keys('s1:*')).toHaveLength(3);
  });

  it('writes no record where none is asked for (a Cluster)', async () => {
    expect(await run([first('s2:a', 'x')], null)).toBe(WriteResult.Stored);
    expect(await raw.keys('s2:*')).toEqual(['s2:a']);
  });

  it('refuses the STOREs of a call whose deadline in Redis time has passed, and writes none of them', async () => {
    const late = Date.now() - 1000;
    expect(await run([first('s3:late', 'x'), first('s3:late2', 'y')], 's3:c writes', late)).toBe('--');
    expect(await raw.exists('s3:late', 's3:late2')).toBe(0);
    expect(await raw.get('s3:c writes')).toBe('--');
  });

  it('tells a re-send what its earlier sends did, from their records', async () => {
    // An earlier call stored `mine` at position 2 and was refused `theirs` at position 1.
    await raw.set('s4:theirs', 'other value');
    expect(await run([first('s4:theirs', 'v'), first('s4:mine', 'v')], 's4:c1 writes')).toBe('01');
    const resent = (key: string, value: string, earlier: (string | number)[]): Entry => ({ key, value, earlier });
    expect(
      await run(
        [
          // Stored by its earlier send: recognised.
          resent('s4:mine', 'v', ['s4:c1 writes', 2]),
          // Never arrived (no record), stored now.
          resent('s4:fresh', 'v', ['s4:lost writes', 1]),
          // Refused before, someone else's value: taken.
          resent('s4:theirs', 'v', ['s4:c1 writes', 1]),
        ],
        's4:c2 writes',
      ),
    ).toBe('210');
  });

  it('answers unknown to a re-send only when the name holds its value and a record is missing', async () => {
    await raw.set('s5:same', 'v');
    await raw.set('s5:other', 'w');
    await raw.set('s5:c1 writes', '0', 'PX', 10_000);
    const resent = (key: string, earlier: (string | number)[]): Entry => ({ key, value: 'v', earlier });
    expect(
      await run(
        [
          resent('s5:same', ['s5:gone writes', 1]),
          resent('s5:other', ['s5:gone writes', 1]),
          resent('s5:same', ['s5:c1 writes', 1]),
          resent('s5:same', ['s5:c1 writes', 1, 's5:gone writes', 3]),
        ],
        null,
      ),
    ).toBe(`${WriteResult.Unknown}00${WriteResult.Unknown}`);
  });

  it('is the script the SHA names', () => {
    expect(WRITE_SCRIPT_SHA).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('writeScriptArgs', () => {
  it('lays out keys, then the record, then earlier records, and finds each by its index', () => {
    const args = writeScriptArgs(
      [
        { key: 'k1', value: 'v1', earlier: null },
        { key: 'k2', value: 'v2', earlier: ['r0', 3] },
      ],
      7,
      'r1',
      500,
    );
    expect(args).toEqual([WRITE_SCRIPT_SHA, 4, 'k1', 'k2', 'r1', 'r0', 500, 7, 2, 'v1', 'v2', 2, 4, 3]);
  });
});
