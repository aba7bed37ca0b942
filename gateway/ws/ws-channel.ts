// JNHP lines over WebSocket (SPEC section 2): adapts each socket of a `ws`
// server in noServer mode to a core LineSession, so that WebSocket clients
// get the semantics, order and limits of TCP ones.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import type { AccessControl } from '../../core/access/access-control.js';
import { type CommandObserver, Outcome } from '../../core/command-observer.js';
import type { Engine } from '../../core/engine.js';
import { Op } from '../../core/protocol/command.js';
import { formatError } from '../../core/protocol/format-reply.js';
import { LineSession, type Peer } from '../../core/session.js';
import { type ClientInfo, DEFAULT_USER, Transport } from '../../core/validation/validation.js';
import { dropWhenStalled } from '../close-gently.js';
import type { Connection, ConnectionRegistry } from '../connections.js';
import { FLUSH_AT, HeldOutput, type OutputOwner } from '../held-output.js';
import { BAD_TOKEN, bearerToken } from '../http/bearer.js';
import { OriginPolicy } from '../http/origin-policy.js';
import { refuseUpgrade } from '../http/refuse-upgrade.js';
import type { Logger } from '../logger.js';
import { holdTextFrame } from './text-frame.js';

export const DEFAULT_PING_INTERVAL_MS = 30_000;
/** Room for the line end of a message that holds one line of the longest length. */
const LINE_END_BYTES = 2;

export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  TryAgainLater: 1013,
} as const;

export interface WsChannelOptions {
  readonly maxLineBytes: number;
  readonly connections: ConnectionRegistry;
  readonly logger: Logger;
  readonly observer?: CommandObserver;
  readonly pingIntervalMs?: number;
  /** The ACL and --store-rate; without it everyone may do everything. */
  readonly access?: AccessControl;
  /** Which browser origins may open a socket; without it only the gateway's own. */
  readonly origins?: OriginPolicy;
}

class WsPeer implements Peer, OutputOwner {
  readonly client: ClientInfo;
  closeCode: number = CloseCode.Normal;
  /** Called when the socket has written what made it congested. */
  onWritable: () => void = () => {};
  /** The registry's record of this connection, for the memory it holds. */
  connection: Connection | null = null;
  /** Frames of replies, written on flush (or later, behind a write on its way). */
  private readonly output: HeldOutput;
  private inputBytes = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
    remoteAddress: string,
    user: string,
    private readonly connections: ConnectionRegistry,
  ) {
    this.client = { transport: Transport.Ws, remoteAddress, user };
    this.output = new HeldOutput(socket, this);
  }

  send(reply: string): void {
    // Each reply is its own message; the frames of a burst share one buffer and one write.
    holdTextFrame(this.output, reply);
    if (this.output.length > FLUSH_AT) this.flush();
  }

  get congested(): boolean {
    return this.output.congested;
  }

  flush(): void {
    this.output.flush();
  }

  holdsInput(bytes: number): void {
    this.inputBytes = bytes;
    this.changed();
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  close(): void {
    const ws = this.ws;
    // The close frame goes after every reply.
    this.output.whenHeldWritten(() => ws.close(this.closeCode));
    // Read on, so that the client's close frame is seen. Once ws has written
    // the close frame after every reply, it waits for the client's own; a
    // client that stops reading altogether is dropped.
    ws.resume();
    dropWhenStalled(this.socket, () => ws.terminate());
  }

  /** Nothing is being written to this client. */
  get written(): boolean {
    return !this.output.busy;
  }

  writable(): void {
    this.onWritable();
  }

  /** Tells the registry what this connection holds, when that changed. */
  changed(): void {
    const connection = this.connection;
    if (connection === null) return;
    const bytes = this.inputBytes + this.output.bytes;
    if (bytes !== connection.memory) this.connections.setMemory(connection, bytes);
  }
}

interface Live {
  readonly ws: WebSocket;
  alive: boolean;
}

export class WsChannel {
  private readonly server: WebSocketServer;
  private readonly live = new Set<Live>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly origins: OriginPolicy;

  constructor(
    private readonly engine: Engine,
    private readonly options: WsChannelOptions,
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: options.maxLineBytes + LINE_END_BYTES,
      perMessageDeflate: false,
      // The session answers invalid UTF-8 with ERROR, as on TCP.
      skipUTF8Validation: true,
    });
    this.origins = options.origins ?? new OriginPolicy([]);
    this.heartbeat = setInterval(() => this.ping(), options.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS).unref();
  }

  /**
   * Completes the WebSocket handshake of `request` and serves the socket,
   * unless a browser page of another origin opens it (403, so that it cannot
   * use a visitor's browser to write) or it carries a bad bearer token (401).
   */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { origin, host, authorization } = request.headers;
    const secure = (request.socket as TLSSocket).encrypted === true;
    if (origin !== undefined && !this.origins.allows(origin, host, secure)) {
      this.options.logger.debug({ origin, transport: Transport.Ws }, 'upgrade from an origin not allowed');
      refuseUpgrade(socket, 403, 'Forbidden');
      return;
    }
    let user: string | undefined;
    const access = this.options.access;
    if (authorization !== undefined && access?.hasAcl === true) {
      const token = bearerToken(authorization);
      const found = token === null ? null : access.authenticate(token);
      if (found === null) {
        this.options.observer?.observe(Transport.Ws, Op.Auth, Outcome.Refused, null);
        refuseUpgrade(socket, 401, 'Unauthorized', `WWW-Authenticate: ${BAD_TOKEN}\r\n`);
        return;
      }
      user = found.name;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.serve(ws, socket, request, user));
  }

  /** Stops the heartbeat; open sockets are closed through the ConnectionRegistry. */
  close(): void {
    clearInterval(this.heartbeat);
  }

  private serve(ws: WebSocket, socket: Duplex, request: IncomingMessage, user: string | undefined): void {
    const { connections, logger } = this.options;
    const peer = new WsPeer(ws, socket, request.socket.remoteAddress ?? '', user ?? DEFAULT_USER, connections);
    const session = new LineSession(this.engine, peer, {
      maxLineBytes: this.options.maxLineBytes,
      observer: this.options.observer,
      access: this.options.access,
      user,
      onInternalError: (err) => logger.error({ err, transport: Transport.Ws }, 'command failed'),
    });
    peer.onWritable = () => session.writable();
    const connection: Connection = {
      transport: Transport.Ws,
      remoteAddress: peer.client.remoteAddress,
      drain: () => {
        peer.closeCode = CloseCode.GoingAway;
        session.drain();
      },
      destroy: () => ws.terminate(),
      memory: 0,
      lastInput: 0,
      quiet: () => session.isIdle && peer.written,
      closeIdle: () => {
        logger.debug({ transport: Transport.Ws, remoteAddress: peer.client.remoteAddress }, 'idle: closing');
        session.drain();
      },
    };
    ws.on('error', (err) => logger.debug({ err: err.message, transport: Transport.Ws }, 'connection error'));
    const refused = connections.add(connection);
    if (refused !== null) {
      ws.send(formatError(refused));
      ws.close(CloseCode.TryAgainLater);
      return;
    }
    peer.connection = connection;
    const live: Live = { ws, alive: true };
    this.live.add(live);
    ws.on('pong', () => {
      live.alive = true;
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      connection.lastInput = connections.now;
      if (isBinary) session.refuse('binary messages are not supported');
      else session.receiveMessage(data);
    });
    ws.on('close', () => {
      session.destroy();
      this.live.delete(live);
      connections.delete(connection);
    });
  }

  /** Closes every peer that did not answer the previous ping, and pings the others. */
  private ping(): void {
    for (const live of this.live) {
      if (!live.alive) {
        this.options.logger.debug({ transport: Transport.Ws }, 'no pong: closing');
        live.ws.terminate();
        continue;
      }
      live.alive = false;
      live.ws.ping();
    }
  }
}
