// JNHP lines over raw TCP: adapts a net.Socket to a core LineSession.

import net from 'node:net';
import type { AccessControl } from '../../core/access/access-control.js';
import type { CommandObserver } from '../../core/command-observer.js';
import type { Engine } from '../../core/engine.js';
import { formatError } from '../../core/protocol/format-reply.js';
import type { Peer } from '../../core/session.js';
import { LineSession } from '../../core/session.js';
import type { ClientInfo } from '../../core/validation/validation.js';
import { DEFAULT_USER, Transport } from '../../core/validation/validation.js';
import { dropWhenStalled } from '../close-gently.js';
import type { ConnectionRegistry } from '../connections.js';
import type { Logger } from '../logger.js';

/** Unsent reply bytes past which a client is no longer read (it does not read its replies). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** Replies queued in one burst past which they are written at once, so that congestion shows mid-burst. */
const FLUSH_AT = MAX_UNSENT_BYTES / 4;
/** How long a closed connection may wait for the client's FIN once every reply is written. */
const CLOSE_GRACE_MS = 2000;
const CRLF = '\r\n';

export interface TcpServerOptions {
  readonly maxLineBytes: number;
  readonly connections: ConnectionRegistry;
  readonly logger: Logger;
  readonly observer?: CommandObserver;
  readonly access?: AccessControl;
}

class TcpPeer implements Peer {
  readonly client: ClientInfo;
  congested = false;
  /** Called when the socket has written what made it congested. */
  onWritable: () => void = () => {};
  private out = '';

  constructor(private readonly socket: net.Socket) {
    this.client = { transport: Transport.Tcp, remoteAddress: socket.remoteAddress ?? '', user: DEFAULT_USER };
  }

  send(reply: string): void {
    this.out = this.out + reply + CRLF;
    if (this.out.length > FLUSH_AT) this.flush();
  }

  flush(): void {
    if (this.out === '') return;
    const socket = this.socket;
    socket.write(this.out);
    this.out = '';
    if (!this.congested && socket.writableLength > MAX_UNSENT_BYTES) {
      this.congested = true;
      socket.once('drain', () => {
        this.congested = false;
        this.onWritable();
      });
    }
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    const socket = this.socket;
    socket.end();
    // Read and drop what the client still sends, so its FIN is seen.
    socket.resume();
    // The grace starts once every reply is written: a slow reader still gets them all.
    socket.once('finish', () => setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref());
    dropWhenStalled(socket, () => socket.destroy());
  }
}

/** Socket options of the JNHP listeners, plain and TLS. */
export const TCP_SOCKET_OPTIONS = { allowHalfOpen: true, noDelay: true } as const;

export function createTcpServer(engine: Engine, options: TcpServerOptions): net.Server {
  return net.createServer(TCP_SOCKET_OPTIONS, tcpConnectionHandler(engine, options));
}

/** Serves JNHP on one accepted socket: a plain one, or a TLS one once its handshake is done. */
export function tcpConnectionHandler(engine: Engine, options: TcpServerOptions): (socket: net.Socket) => void {
  const { connections, logger } = options;
  return (socket) => {
    const peer = new TcpPeer(socket);
    const session = new LineSession(engine, peer, {
      maxLineBytes: options.maxLineBytes,
      observer: options.observer,
      access: options.access,
      onInternalError: (err) => logger.error({ err, transport: 'tcp' }, 'command failed'),
    });
    peer.onWritable = () => session.writable();
    const connection = {
      transport: Transport.Tcp,
      remoteAddress: peer.client.remoteAddress,
      drain: () => session.drain(),
      destroy: () => socket.destroy(),
    };
    const refused = connections.add(connection);
    if (refused !== null) {
      socket.end(`${formatError({ reason: refused })}\r\n`);
      socket.on('error', () => {});
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    socket.on('data', (chunk: Buffer) => session.receive(chunk));
    socket.on('end', () => session.endOfInput());
    socket.on('error', (err) => logger.debug({ err: err.message, transport: 'tcp' }, 'connection error'));
    socket.on('close', () => {
      session.destroy();
      connections.delete(connection);
    });
  };
}
