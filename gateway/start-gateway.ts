// The composition root: builds the store and the engine, and wires every
// transport to them.

import type { Server } from 'node:net';
import { AccessControl } from '../core/access/access-control.js';
import { RateLimiter } from '../core/access/rate-limiter.js';
import { Engine } from '../core/engine.js';
import { MemoryStore } from '../core/store/memory-store.js';
import { RedisStore } from '../core/store/redis-store.js';
import type { Store } from '../core/store/store.js';
import type { ValidationObserver } from '../core/validation/validation-observer.js';
import { loadAcl, reloadAcl } from './access-file.js';
import type { Config } from './config.js';
import { ConnectionRegistry } from './connections.js';
import { HttpGateway } from './http/http-server.js';
import { OriginPolicy } from './http/origin-policy.js';
import { Readiness } from './http/readiness.js';
import { createRestApp } from './http/rest-app.js';
import { listen } from './listen.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { OpenFiles } from './open-files.js';
import { StoreLog } from './store-log.js';
import { createTcpServer } from './tcp/tcp-server.js';
import { startValidationHooks } from './validation-hooks.js';
import { ValidationLog } from './validation-log.js';
import { DEFAULT_PING_INTERVAL_MS, WsChannel } from './ws/ws-channel.js';

export interface RunningGateway {
  readonly tcpPort: number;
  readonly httpPort: number;
  /** Stops accepting, lets open commands finish (up to --drain-timeout-ms), then closes. */
  drain(): Promise<void>;
  /** SIGHUP: reads again what may change without a restart (the ACL file); each part logs how it went. */
  reload(): void;
}

/** Something reload() reads again; it logs its own outcome and never throws. */
type Reloader = () => void;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The store, and a promise that resolves the first time it answers. */
function createStore(config: Config, logger: Logger): { store: Store; answering: Promise<void> } {
  if (config.store === 'memory') return { store: new MemoryStore(), answering: Promise.resolve() };
  const log = new StoreLog(logger);
  let answered: () => void = () => {};
  const answering = new Promise<void>((resolve) => {
    answered = resolve;
  });
  const store = new RedisStore({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    timeoutMs: config.storeTimeoutMs,
    cacheNames: config.redisCacheNames,
    observer: {
      available: (event) => {
        log.available(event);
        answered();
      },
      unavailable: (event) => log.unavailable(event),
      refused: (event) => log.refused(event),
    },
  });
  return { store, answering };
}

/**
 * Waits up to `ms` for the store's first answer, so that a restarted replica
 * does not take clients before it can serve them; past that it listens
 * anyway, not ready, and serves once the store appears.
 */
async function awaitStore(answering: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([answering, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const reloaders: Reloader[] = [];
  const access = new AccessControl(
    config.aclFile === '' ? null : loadAcl(config.aclFile),
    config.storeRate > 0 ? new RateLimiter(config.storeRate) : null,
  );
  if (config.aclFile !== '') reloaders.push(() => reloadAcl(config.aclFile, access, logger));
  const origins = new OriginPolicy(config.allowedOrigins);
  const { store, answering } = createStore(config, logger);
  const connections = new ConnectionRegistry({
    maxConnections: config.maxConnections,
    maxConnectionsPerAddress: config.maxConnectionsPerAddress,
    maxClientMemory: config.maxClientMemory,
    idleTimeoutMs: config.idleTimeoutMs,
    onEvicted: (connection, totalBytes) =>
      logger.warn(
        {
          transport: connection.transport,
          remoteAddress: connection.remoteAddress,
          heldBytes: connection.memory,
          totalBytes,
          maxClientMemory: config.maxClientMemory,
        },
        'client memory over --max-client-memory: closing the connection holding the most',
      ),
  });
  let http: HttpGateway | null = null;
  const metrics = new GatewayMetrics(
    (transport) => (transport === 'http' ? (http?.openConnections ?? 0) : connections.countBy(transport)),
    () => connections.memory,
  );
  // Every listener of hook calls (the log; metrics may add theirs) hears each one.
  const validationObservers: ValidationObserver[] = [new ValidationLog(logger), metrics];
  const hooks = await startValidationHooks(config, validationObservers);
  const engine = new Engine(store, hooks.validation);
  const observer = metrics.commands;
  const readiness = new Readiness(store);
  const tcp = createTcpServer(engine, { maxLineBytes: config.maxLineBytes, connections, logger, observer, access });
  const ws = new WsChannel(engine, {
    maxLineBytes: config.maxLineBytes,
    connections,
    logger,
    observer,
    pingIntervalMs: wsPingIntervalMs(),
    access,
    origins,
  });
  const rest = createRestApp({
    engine,
    maxLineBytes: config.maxLineBytes,
    observer,
    notReady: () => readiness.notReady(),
    metrics,
    onInternalError: (err) => logger.error({ err, transport: 'http' }, 'request failed'),
    access,
    origins,
  });
  http = new HttpGateway(rest, ws, config.maxLineBytes);
  await awaitStore(answering, config.storeTimeoutMs);
  const openFiles = new OpenFiles(logger);
  openFiles.watch(tcp);
  openFiles.watch(http.server);
  const tcpPort = await listen(tcp, config.tcpPort, config.host);
  const httpPort = await listen(http.server, config.httpPort, config.host);
  openFiles.checkStartup(config.maxConnections);
  logger.info({ host: config.host, tcpPort, httpPort, store: config.store }, 'listening');
  if (config.aclFile === '' && !isLoopback(config.host)) {
    logger.warn(
      { host: config.host },
      'listening beyond loopback without --acl-file: anyone who can connect may read and write every name (see docs/security.md)',
    );
  }

  let draining: Promise<void> | null = null;
  const drain = async (): Promise<void> => {
    logger.info({ connections: connections.size, deadlineMs: config.drainTimeoutMs }, 'draining');
    readiness.drain();
    const closed = closeServer(tcp);
    http?.stopAccepting();
    const drained = Promise.all([connections.drainAll(), http?.settled()]);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), config.drainTimeoutMs);
    });
    if ((await Promise.race([drained, deadline])) === 'deadline') {
      logger.warn({ connections: connections.size }, 'drain deadline passed; closing what is left');
      connections.destroyAll();
    }
    clearTimeout(timer);
    http?.closeAll();
    ws.close();
    connections.close();
    await closed;
    await hooks.close();
    await store.close();
    logger.info('stopped');
  };
  return {
    tcpPort,
    httpPort,
    drain: () => {
      draining ??= drain();
      return draining;
    },
    reload: () => {
      for (const reload of reloaders) reload();
    },
  };
}

/** Internal: tests shorten the WebSocket heartbeat with JNHP_WS_PING_INTERVAL_MS. */
function wsPingIntervalMs(): number {
  const ms = Number(process.env.JNHP_WS_PING_INTERVAL_MS);
  return Number.isInteger(ms) && ms > 0 ? ms : DEFAULT_PING_INTERVAL_MS;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
