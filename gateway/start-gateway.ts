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
import { type Config, ConfigError } from './config.js';
import { ConnectionRegistry } from './connections.js';
import { HelperLog } from './helper-log.js';
import { HttpGateway } from './http/http-server.js';
import { OriginPolicy } from './http/origin-policy.js';
import { Readiness } from './http/readiness.js';
import { createRestApp } from './http/rest-app.js';
import { listen } from './listen.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import { openFileStore } from './open-file-store.js';
import { OpenFiles } from './open-files.js';
import { StoreLog } from './store-log.js';
import { createTcpServer } from './tcp/tcp-server.js';
import { createTlsServer } from './tcp/tls-server.js';
import { loadTlsPair, type TlsFiles, type TlsPair, TlsPairError } from './tls/tls-pair.js';
import { logPair, type SecureListener, tlsReloader } from './tls/tls-reloader.js';
import { startValidationHooks } from './validation-hooks.js';
import { ValidationLog } from './validation-log.js';
import { DEFAULT_PING_INTERVAL_MS, WsChannel } from './ws/ws-channel.js';

export interface RunningGateway {
  readonly tcpPort: number;
  readonly httpPort: number;
  /** JNHP over TLS; null without --tls-port. */
  readonly tlsPort: number | null;
  /** SIGHUP: reads again what may change while running (the ACL file, the TLS pair); failures are logged, never thrown. */
  reload(): Promise<void>;
  /** Stops accepting, lets open commands finish (up to --drain-timeout-ms), then closes. */
  drain(): Promise<void>;
}

/** Something reload() reads again; it logs its own outcome and never throws. */
type Reloader = () => void | Promise<void>;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** The store, and a promise that resolves the first time it answers. */
function createStore(config: Config, logger: Logger): { store: Store; answering: Promise<void> } {
  if (config.store === 'memory') return { store: new MemoryStore(), answering: Promise.resolve() };
  if (config.store === 'file') {
    // Read back in full before anything listens: no "absent" for a name not loaded yet.
    return { store: openFileStore(config.dataDir, config.storeTimeoutMs, logger), answering: Promise.resolve() };
  }
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

/** The pair at startup: one that cannot be used is a configuration error (exit 2), before anything starts. */
async function loadStartupTls(files: TlsFiles | null): Promise<TlsPair | null> {
  if (files === null) return null;
  try {
    return await loadTlsPair(files);
  } catch (err) {
    if (err instanceof TlsPairError) throw new ConfigError(err.message, { cause: err });
    throw err;
  }
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const tlsPair = await loadStartupTls(config.tls);
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
  const hooks = await startValidationHooks(config, validationObservers, [new HelperLog(logger), metrics]);
  const engine = new Engine(store, hooks.validation);
  const observer = metrics.commands;
  const readiness = new Readiness(store);
  const tcpOptions = { maxLineBytes: config.maxLineBytes, connections, logger, observer, access };
  const tcp = createTcpServer(engine, tcpOptions);
  const tlsTcp =
    tlsPair !== null && config.tlsPort !== null ? createTlsServer(engine, tcpOptions, tlsPair.secure) : null;
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
  http = new HttpGateway(rest, ws, config.maxLineBytes, tlsPair?.secure);
  if (config.tls !== null && tlsPair !== null) {
    logPair(logger, config.tls, tlsPair, 'TLS certificate loaded');
    const listeners: SecureListener[] = [http.tls, tlsTcp].filter((l) => l !== null);
    reloaders.push(tlsReloader(config.tls, listeners, logger));
  }
  await awaitStore(answering, config.storeTimeoutMs);
  const openFiles = new OpenFiles(logger);
  openFiles.watch(tcp);
  openFiles.watch(http.server);
  if (tlsTcp !== null) openFiles.watch(tlsTcp);
  const tcpPort = await listen(tcp, config.tcpPort, config.host);
  const httpPort = await listen(http.server, config.httpPort, config.host);
  const tlsPort = tlsTcp === null ? null : await listen(tlsTcp, config.tlsPort ?? 0, config.host);
  openFiles.checkStartup(config.maxConnections);
  logger.info(
    { host: config.host, tcpPort, httpPort, ...(tlsPort === null ? {} : { tlsPort }), store: config.store },
    'listening',
  );
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
    const closed = Promise.all([closeServer(tcp), tlsTcp === null ? undefined : closeServer(tlsTcp)]);
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
    tlsPort,
    reload: async () => {
      await Promise.all(reloaders.map((reload) => reload()));
    },
    drain: () => {
      draining ??= drain();
      return draining;
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
