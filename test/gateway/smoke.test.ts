import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

describe('the gateway process', () => {
  let gateway: SpawnedGateway;
  beforeAll(async () => {
    gateway = await spawnGateway();
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers the seed transcript over TCP', async () => {
    const client = await LineClient.connect(gateway.tcpPort);
    expect(await client.request('STORE foo bar')).toBe('W00T!');
    expect(await client.request('STORE foo baz')).toBe('RARGH!');
    expect(await client.request('EXISTS foo')).toBe('AWESOME!');
    expect(await client.request('GET foo')).toBe('bar');
    expect(await client.request('GET nothing')).toBe('');
    client.close();
  });
});
