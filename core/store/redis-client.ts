// The ioredis client, configured for SPEC 1's rules rather than ioredis's
// defaults: fail fast while Redis is away instead of queueing, never re-send
// a command whose reply was lost, reconnect forever with a short backoff.

import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { RedisMode, type RedisTarget } from './redis-url.js';

/** Reconnect delay: 50 ms doubling up to 1 s, plus jitter so that gateways do not reconnect in step. */
export function reconnectDelay(attempt: number): number {
  return Math.min(50 * 2 ** Math.min(attempt - 1, 5), 1000) + Math.floor(Math.random() * 100);
}

/** Options every connection gets, whatever the mode. */
export function connectionOptions(timeoutMs: number): RedisOptions {
  return {
    // A command sent while the connection is down fails at once: no queue
    // that could apply a STORE after its client was answered.
    enableOfflineQueue: false,
    // A connection lost with commands in flight rejects them at once
    // (ioredis's default keeps them for up to 20 reconnections) ...
    maxRetriesPerRequest: 0,
    // ... and never re-sends them blindly: the store decides what to re-send.
    autoResendUnfulfilledCommands: false,
    retryStrategy: reconnectDelay,
    // After a failover a client may still talk to the old master, now a
    // replica: reconnect (1), never reconnect-and-resend (2).
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 1 : false),
    connectTimeout: Math.max(timeoutMs, 1000),
    // A connection that answers nothing for this long while commands wait is
    // dropped and made again (a paused or unreachable Redis, a dead peer).
    socketTimeout: Math.max(2 * timeoutMs, 2000),
    enableReadyCheck: true,
    connectionName: 'jnhp-gateway',
  };
}

export function createRedisClient(target: RedisTarget, timeoutMs: number): Redis | Cluster {
  const auth = { username: target.username, password: target.password };
  const tls = target.tls ? { tls: {} } : {};
  const common = connectionOptions(timeoutMs);
  switch (target.mode) {
    case RedisMode.Standalone: {
      const [server] = target.hosts;
      return new Redis({ ...common, ...auth, ...tls, host: server?.host, port: server?.port, db: target.db });
    }
    case RedisMode.Sentinel:
      return new Redis({
        ...common,
        ...auth,
        ...tls,
        db: target.db,
        sentinels: target.hosts.map((h) => ({ host: h.host, port: h.port })),
        name: target.masterName as string,
        sentinelUsername: target.sentinelUsername,
        sentinelPassword: target.sentinelPassword,
        enableTLSForSentinelMode: target.tls,
        // Learn of a failover from the Sentinels at once, not at the next error.
        failoverDetector: true,
      });
    case RedisMode.Cluster: {
      const options: ClusterOptions = {
        redisOptions: { ...common, ...auth, ...tls },
        enableOfflineQueue: false,
        clusterRetryStrategy: reconnectDelay,
        // A node lost with commands in flight: fail them, do not re-send them
        // elsewhere (ioredis's default re-sends after 100 ms).
        retryDelayOnFailover: 0,
        retryDelayOnClusterDown: 0,
        scaleReads: 'master',
        slotsRefreshTimeout: Math.max(timeoutMs, 1000),
      };
      return new Cluster(
        target.hosts.map((h) => ({ host: h.host, port: h.port })),
        options,
      );
    }
  }
}
