// The --redis-url forms README "Redis" documents, each against a real
// redis-server: password and database, TLS, Sentinel, Cluster.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterEach, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import {
  describeWithRedis,
  type RedisSentinel,
  type RedisServer,
  startRedisSentinel,
  startRedisServer,
} from '../helpers/redis-server.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

/** Names that put braces, and so Redis Cluster hash tags, in every position. */
const NAMES = ['plain', 'a{b}c', '{x}', '{}x', 'a}b', '{open', 'close}', '}{', 'ключ{鍵}'];

/** The ACL rule README "Redis" gives for the gateway's user. */
const ACL_COMMANDS = '-@all +get +exists +set +evalsha +script|load +time +info';

async function gatewayOn(url: string, env: NodeJS.ProcessEnv = {}): Promise<SpawnedGateway> {
  const gateway = await spawnGateway(['--store', 'redis', '--redis-url', url], { env });
  await gateway.waitForLog((l) => l.msg === 'store connected');
  return gateway;
}

/** Stores every name of NAMES through the gateway and reads it back. */
async function roundTrip(gateway: SpawnedGateway): Promise<void> {
  const client = await LineClient.connect(gateway.tcpPort);
  try {
    for (const name of NAMES) expect(await client.request(`STORE ${name} value of ${name}`)).toBe('W00T!');
    for (const name of NAMES) expect(await client.request(`STORE ${name} again`)).toBe('RARGH!');
    for (const name of NAMES) expect(await client.request(`GET ${name}`)).toBe(`value of ${name}`);
  } finally {
    client.close();
  }
}

describeWithRedis('the gateway on each kind of Redis', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });
  const started = <T extends { stop(): Promise<unknown> }>(thing: T): T => {
    cleanup.push(() => thing.stop());
    return thing;
  };

  it('uses a password and a database number from the URL, and says clearly when the password is wrong', async () => {
    const redis = started(await startRedisServer({ args: ['--requirepass', 's3cr@t'] }));
    const gateway = started(await gatewayOn(`redis://:s3cr%40t@127.0.0.1:${redis.port}/3`));
    await roundTrip(gateway);
    const raw = new Redis({ port: redis.port, host: '127.0.0.1', password: 's3cr@t', db: 3 });
    expect(await raw.get('jnhp:plain')).toBe('value of plain');
    raw.disconnect();

    const wrong = started(
      await spawnGateway(['--store', 'redis', '--redis-url', `redis://:nope@127.0.0.1:${redis.port}`]),
    );
    const down = await wrong.waitForLog((l) => l.msg === 'store unavailable');
    expect(down).toMatchObject({ reason: 'Redis refused the connection' });
    expect(String(down.err)).toMatch(/WRONGPASS|invalid password/i);
    expect(JSON.stringify(wrong.logs)).not.toContain('nope');
  });

  it('works as an ACL user allowed only the commands README lists, on the prefix only', async () => {
    const redis = started(await startRedisServer());
    const raw = new Redis(redis.port, '127.0.0.1');
    await raw.call('ACL', 'SETUSER', 'jnhp', 'on', '>pw', '~jnhp:*', ...ACL_COMMANDS.split(' '));
    raw.disconnect();
    const gateway = started(await gatewayOn(`redis://jnhp:pw@127.0.0.1:${redis.port}`));
    await roundTrip(gateway);
  });

  it('speaks TLS to a rediss:// URL, trusting the CA named by NODE_EXTRA_CA_CERTS', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'jnhp-tls-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    makeCertificates(dir);
    const redis = started(
      await startRedisServer({
        args: (port) => [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--tls-cert-file',
          path.join(dir, 'server.crt'),
          '--tls-key-file',
          path.join(dir, 'server.key'),
          '--tls-ca-cert-file',
          path.join(dir, 'ca.crt'),
          '--tls-auth-clients',
          'no',
        ],
      }),
    );
    const gateway = started(
      await gatewayOn(`rediss://localhost:${redis.port}`, { NODE_EXTRA_CA_CERTS: path.join(dir, 'ca.crt') }),
    );
    await roundTrip(gateway);
  });

  it('finds the master through Redis Sentinel', async () => {
    const master = started(await startRedisServer());
    const sentinel: RedisSentinel = started(await startRedisSentinel(master.port, 'jnhp-master'));
    const gateway = started(await gatewayOn(`redis-sentinel://127.0.0.1:${sentinel.port}/jnhp-master`));
    await roundTrip(gateway);
    const raw = new Redis(master.port, '127.0.0.1');
    expect(await raw.get('jnhp:a{b}c')).toBe('value of a{b}c');
    raw.disconnect();
  });

  it('spreads names over a Redis Cluster, each write a script call on its own node', async () => {
    const nodes: RedisServer[] = [];
    for (let i = 0; i < 3; i++) {
      nodes.push(
        started(
          await startRedisServer({
            clusterBus: true,
            args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          }),
        ),
      );
    }
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(create.status, create.stdout + create.stderr).toBe(0);
    for (const node of nodes) {
      const raw = new Redis(node.port, '127.0.0.1');
      await expect.poll(async () => /cluster_state:ok/.test(await raw.cluster('INFO')), { timeout: 15_000 }).toBe(true);
      raw.disconnect();
    }
    const gateway = started(await gatewayOn(`redis-cluster://127.0.0.1:${(nodes[0] as RedisServer).port}`));
    await roundTrip(gateway);
    const cluster = new Cluster([{ host: '127.0.0.1', port: (nodes[1] as RedisServer).port }]);
    expect(await cluster.get('jnhp:a}b')).toBe('value of a}b');
    await cluster.quit();
  });
});

/** A throwaway CA and a server certificate for localhost and 127.0.0.1, made with openssl. */
function makeCertificates(dir: string): void {
  const openssl = (...args: string[]): void => {
    const result = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${result.stderr}`);
  };
  writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '1',
    '-subj',
    '/CN=jnhp test CA',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=localhost',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
}
