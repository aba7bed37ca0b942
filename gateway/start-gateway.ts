// The composition root: builds the store and the engine, and wires every
// transport to them.

import type { Server } from 'node:net';
import { Engine } from '../core/engine.js';
import { MemoryStore } from '../core/store/memory-store.js';
import type { Store } from '../core/store/store.js';
import type { Config } from './config.js';
import { ConnectionRegistry } from './connections.js';
import { listen } from './listen.js';
import type { Logger } from './logger.js';
import { createTcpServer } from './tcp/tcp-server.js';

export interface RunningGateway {
  readonly tcpPort: number;
  /** Stops accepting, lets open commands finish (up to --drain-timeout-ms), then closes. */
  drain(): Promise<void>;
}

function createStore(config: Config): Store {
  if (config.store === 'memory') return new MemoryStore();
  throw new Error(`store '${config.store}' is not available in this build`);
}

export async function startGateway(config: Config, logger: Logger): Promise<RunningGateway> {
  const store = createStore(config);
  const engine = new Engine(store, null);
  const connections = new ConnectionRegistry(config.maxConnections);
  const tcp = createTcpServer(engine, { maxLineBytes: config.maxLineBytes, connections, logger });
  const tcpPort = await listen(tcp, config.tcpPort, config.host);
  logger.info({ host: config.host, tcpPort, store: config.store }, 'listening');

  let draining: Promise<void> | null = null;
  const drain = async (): Promise<void> => {
    logger.info({ connections: connections.size, deadlineMs: config.drainTimeoutMs }, 'draining');
    const closed = closeServer(tcp);
    const drained = connections.drainAll();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), config.drainTimeoutMs);
    });
    if ((await Promise.race([drained, deadline])) === 'deadline') {
      logger.warn({ connections: connections.size }, 'drain deadline passed; closing what is left');
      connections.destroyAll();
    }
    clearTimeout(timer);
    await closed;
    await store.close();
    logger.info('stopped');
  };
  return {
    tcpPort,
    drain: () => {
      draining ??= drain();
      return draining;
    },
  };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
