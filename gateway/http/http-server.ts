// The one Node HTTP server of the HTTP port: REST through hono, WebSocket
// upgrades on /ws, timeouts against slow clients, and a drain that keeps open
// keep-alive connections able to ask /readyz while commands finish.

import type http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';
import type { WsChannel } from '../ws/ws-channel.js';

export const WS_PATH = '/ws';

/** Against slow clients: headers within 10 s, the whole request within 30 s, idle keep-alive 5 s. */
export const HTTP_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  /** How often Node checks the two request timeouts. */
  connectionsCheckingInterval: 1_000,
} as const;

// biome-ignore lint/suspicious/noExplicitAny: any hono app, whatever its bindings
type AnyHono = Hono<any, any, any>;

export class HttpGateway {
  readonly server: http.Server;
  private draining = false;
  private sockets = 0;
  private inFlight = 0;
  private readonly upgraded = new WeakSet<Duplex>();
  private idleWaiter: (() => void) | null = null;

  constructor(app: AnyHono, ws: WsChannel) {
    this.server = createAdaptorServer({
      fetch: app.fetch,
      serverOptions: { ...HTTP_TIMEOUTS },
    }) as http.Server;
    this.server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveTimeout;
    // Before hono's listener, which may answer synchronously.
    this.server.prependListener('request', (_req: http.IncomingMessage, res: http.ServerResponse) => {
      this.inFlight++;
      res.on('close', this.requestClosed);
      if (this.draining) res.setHeader('Connection', 'close');
    });
    this.server.on('connection', (socket: net.Socket) => {
      this.sockets++;
      socket.on('close', () => {
        if (!this.upgraded.has(socket)) this.sockets--;
      });
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgraded.add(socket);
      this.sockets--;
      socket.on('error', () => {});
      if (this.draining) return reject(socket, 503, 'Service Unavailable');
      if (pathOf(req.url) !== WS_PATH) return reject(socket, 404, 'Not Found');
      ws.upgrade(req, socket, head);
    });
  }

  /** Open HTTP connections, WebSocket ones not included. */
  get openConnections(): number {
    return this.sockets;
  }

  /**
   * Stops accepting connections. Open keep-alive connections stay (a load
   * balancer may still ask /readyz); each answer from now on closes its own.
   */
  stopAccepting(): void {
    this.draining = true;
    // net's close, not http's: http's would also drop idle keep-alive connections at once.
    net.Server.prototype.close.call(this.server);
  }

  /** Resolves once no request is in flight. */
  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.idleWaiter = resolve;
    });
  }

  /** Closes every HTTP connection that is left. */
  closeAll(): void {
    this.server.closeAllConnections();
  }

  private readonly requestClosed = (): void => {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiter !== null) {
      this.idleWaiter();
      this.idleWaiter = null;
    }
  };
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}

function reject(socket: Duplex, status: number, reason: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
