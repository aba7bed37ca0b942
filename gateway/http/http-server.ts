// The one Node HTTP server of the HTTP port: REST through hono, WebSocket
// upgrades on /ws, timeouts against slow clients, and a drain that keeps open
// keep-alive connections able to ask /readyz while commands finish.

import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import { type SecureOptions, TLS_HANDSHAKE_TIMEOUT_MS } from '../tls/tls-pair.js';
import type { WsChannel } from '../ws/ws-channel.js';
import { declaredLength } from './read-body.js';
import { refuseUpgrade } from './refuse-upgrade.js';

export const WS_PATH = '/ws';

/** Against slow clients: headers within 10 s, the whole request within 30 s, idle keep-alive 5 s. */
export const HTTP_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  /** How often Node checks the two request timeouts. */
  connectionsCheckingInterval: 1_000,
} as const;

/** While draining, how long a connection that has not sent a request yet counts as busy (its request may be on its way). */
export const NEW_CONNECTION_GRACE_MS = 1000;

// biome-ignore lint/suspicious/noExplicitAny: any hono app, whatever its bindings
type AnyHono = Hono<any, any, any>;

export class HttpGateway {
  readonly server: http.Server;
  /** The same server when it speaks HTTPS and WSS only; null for plain HTTP. */
  readonly tls: tls.Server | null;
  private draining = false;
  private sockets = 0;
  private inFlight = 0;
  private readonly upgraded = new WeakSet<Duplex>();
  /** Connections that have not sent a request yet, and when they were accepted. */
  private readonly fresh = new Map<Duplex, number>();
  private settledWaiter: (() => void) | null = null;
  private settleTimer: NodeJS.Timeout | undefined;

  /** With `secure`, the port speaks HTTPS and WSS only. */
  constructor(app: AnyHono, ws: WsChannel, maxBodyBytes: number, secure?: SecureOptions) {
    // One listener: the bookkeeping, then hono's. Node reads what is left of a body nobody read
    // (a refusal); hono's own clean-up would add a listener and a timer to every PUT.
    const honoListener = getRequestListener(app.fetch, { autoCleanupIncoming: false });
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.inFlight++;
      this.fresh.delete(req.socket);
      res.on('close', this.requestClosed);
      if (this.draining) res.setHeader('Connection', 'close');
      honoListener(req, res);
    };
    if (secure === undefined) {
      this.server = http.createServer({ ...HTTP_TIMEOUTS }, listener);
      this.tls = null;
    } else {
      const server = https.createServer(
        { ...HTTP_TIMEOUTS, ...secure, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS },
        listener,
      );
      this.server = server;
      this.tls = server;
    }
    this.server.keepAliveTimeout = HTTP_TIMEOUTS.keepAliveTimeout;
    // `Expect: 100-continue`: a body declared over the limit gets its 413 at once, never an invitation to send it.
    this.server.on('checkContinue', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!((declaredLength(req) ?? 0) > maxBodyBytes)) res.writeContinue();
      this.server.emit('request', req, res);
    });
    // Fresh from the accept, TLS handshake included: a TLS client may send its request as soon as its
    // side of the handshake ends, before the server has seen the end. (A TLS one stays fresh for the grace.)
    this.server.on('connection', (socket: net.Socket) => {
      this.fresh.set(socket, performance.now());
      socket.on('close', () => {
        this.fresh.delete(socket);
        this.checkSettled();
      });
    });
    // With TLS, requests and upgrades name the TLS socket, known once its handshake is done.
    this.server.on(secure === undefined ? 'connection' : 'secureConnection', (socket: net.Socket) => {
      this.sockets++;
      socket.on('close', () => {
        if (!this.upgraded.has(socket)) this.sockets--;
      });
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgraded.add(socket);
      this.fresh.delete(socket);
      this.sockets--;
      socket.on('error', () => {});
      if (this.draining) return refuseUpgrade(socket, 503, 'Service Unavailable');
      if (pathOf(req.url) !== WS_PATH) return refuseUpgrade(socket, 404, 'Not Found');
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

  /**
   * Resolves once no request is in flight and no connection accepted in the
   * last NEW_CONNECTION_GRACE_MS is still waiting for its first request.
   */
  settled(): Promise<void> {
    return new Promise((resolve) => {
      this.settledWaiter = resolve;
      this.checkSettled();
    });
  }

  /** Closes every HTTP connection that is left. */
  closeAll(): void {
    this.server.closeAllConnections();
  }

  private readonly requestClosed = (): void => {
    this.inFlight--;
    if (this.inFlight === 0) this.checkSettled();
  };

  private checkSettled(): void {
    if (this.settledWaiter === null || this.inFlight > 0) return;
    clearTimeout(this.settleTimer);
    let wait = 0;
    const now = performance.now();
    for (const accepted of this.fresh.values()) wait = Math.max(wait, accepted + NEW_CONNECTION_GRACE_MS - now);
    if (wait > 0) {
      this.settleTimer = setTimeout(() => this.checkSettled(), wait);
      return;
    }
    this.settledWaiter();
    this.settledWaiter = null;
  }
}

function pathOf(url: string | undefined): string {
  const raw = url ?? '';
  const query = raw.indexOf('?');
  return query === -1 ? raw : raw.slice(0, query);
}
