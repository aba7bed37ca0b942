import { describe, expect, it } from 'vitest';
import { describeRedisTarget, parseRedisUrl, RedisUrlError } from '../../core/store/redis-url.js';

describe('parseRedisUrl', () => {
  it('reads one server with a password and a database number', () => {
    expect(parseRedisUrl('redis://:s3cr%40t@redis.example:6380/2')).toMatchObject({
      mode: 'standalone',
      tls: false,
      hosts: [{ host: 'redis.example', port: 6380 }],
      username: undefined,
      password: 's3cr@t',
      db: 2,
    });
  });

  it('reads a user, TLS, the default port and IPv6 addresses', () => {
    expect(parseRedisUrl('rediss://app:pw@[::1]')).toMatchObject({
      tls: true,
      hosts: [{ host: '::1', port: 6379 }],
      username: 'app',
      password: 'pw',
      db: 0,
    });
  });

  it('reads Sentinels, the master name, a database and the Sentinels own password', () => {
    expect(parseRedisUrl('redis-sentinel://:pw@s1,s2:26380/mymaster/3?sentinelPassword=sp')).toMatchObject({
      mode: 'sentinel',
      hosts: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26380 },
      ],
      masterName: 'mymaster',
      password: 'pw',
      db: 3,
      sentinelPassword: 'sp',
    });
    expect(parseRedisUrl('rediss-sentinel://s1/m')).toMatchObject({ mode: 'sentinel', tls: true });
  });

  it('reads the seed nodes of a Cluster', () => {
    expect(parseRedisUrl('redis-cluster://n1:7000,n2:7001')).toMatchObject({
      mode: 'cluster',
      hosts: [
        { host: 'n1', port: 7000 },
        { host: 'n2', port: 7001 },
      ],
    });
  });

  it.each([
    ['http://host', /unknown scheme/],
    ['redis://a,b', /several hosts/],
    ['redis://host/x', /database number/],
    ['redis://host/1/2', /unexpected path/],
    ['redis-sentinel://host', /names its master/],
    ['redis-cluster://host/1', /database 0 only/],
    ['redis://host:99999', /bad port/],
    ['redis://secret@host', /redis:\/\/:password@host/],
    ['redis://host?enableOfflineQueue=true', /unknown parameter 'enableOfflineQueue'/],
    ['redis://', /no host/],
    ['not a url', /expected redis/],
  ])('refuses %s with a reason', (url, reason) => {
    expect(() => parseRedisUrl(url)).toThrow(RedisUrlError);
    expect(() => parseRedisUrl(url)).toThrow(reason);
  });

  it('describes a target for logs without its password', () => {
    const described = describeRedisTarget(parseRedisUrl('redis-sentinel://u:hunter2@s1,[::1]:26380/m/2'));
    expect(described).toBe('redis-sentinel://u:***@s1:26379,[::1]:26380/m/2');
    expect(describeRedisTarget(parseRedisUrl('redis://localhost'))).toBe('redis://localhost:6379');
  });
});
