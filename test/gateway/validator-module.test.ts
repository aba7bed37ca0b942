import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture, hookFailures, logAfter } from '../helpers/validator-fixtures.js';

const MODULE = `module:${fixture('decide-module.cjs')}#check`;

describe('a module: validator', () => {
  let gateway: SpawnedGateway;
  let client: LineClient;
  beforeAll(async () => {
    gateway = await spawnGateway(['--validator', MODULE, '--validator-timeout-ms', '500']);
    client = await LineClient.connect(gateway.tcpPort);
  });
  afterAll(async () => {
    client?.close();
    await gateway?.stop();
  });

  it.each(['allow', 'allow-async'])('stores when the function gives true (%s)', async (value) => {
    expect(await client.request(`STORE m-${value} ${value}`)).toBe('W00T!');
    expect(await client.request(`GET m-${value}`)).toBe(value);
  });

  it('hands the function the name and the client context: transport, address and user', async () => {
    expect(await client.request('STORE ctx-module context')).toBe('W00T!');
  });

  it.each(['refuse', 'refuse-async'])(
    'answers RARGH! and logs nothing when the function gives false (%s)',
    async (value) => {
      const before = gateway.logs.length;
      expect(await client.request(`STORE m-${value} ${value}`)).toBe('RARGH!');
      expect(await client.request(`GET m-${value}`)).toBe('');
      expect(hookFailures(gateway, before)).toEqual([]);
    },
  );

  it.each([
    ['throw', 'error', 'the module hook threw'],
    ['reject', 'error', 'the module hook rejected'],
    ['garbage', 'error', "returned the string 'yes'"],
    ['slow', 'timeout', '500 ms'],
  ])('fails closed and logs the reason when the function does not decide (%s)', async (value, outcome, reason) => {
    const before = gateway.logs.length;
    expect(await client.request(`STORE m-${value} ${value}`)).toBe('RARGH!');
    const log = await logAfter(gateway, before, (l) => l.hook === MODULE);
    expect(log).toMatchObject({ outcome, level: 'warn' });
    expect(log.reason).toContain(reason);
    expect(await client.request(`GET m-${value}`)).toBe('');
  });
});

describe('a module: validator from an ES module, default export', () => {
  it('stores what the function allows', async () => {
    const gateway = await spawnGateway(['--validator', `module:${fixture('allow-worker.mjs')}`]);
    try {
      const client = await LineClient.connect(gateway.tcpPort);
      expect(await client.request('STORE esm-default v')).toBe('W00T!');
      client.close();
    } finally {
      await gateway.stop();
    }
  });
});
