import type { RedisServer } from './redis-server.js';
import { type SpawnedGateway, spawnGateway } from './spawn-gateway.js';

/** Starts a gateway with `--store redis` on `redis` and waits until it has connected. */
export async function spawnRedisGateway(redis: RedisServer, extra: readonly string[] = []): Promise<SpawnedGateway> {
  const gateway = await spawnGateway(['--store', 'redis', '--redis-url', redis.url, ...extra]);
  await gateway.waitForLog((l) => l.msg === 'store connected');
  return gateway;
}
