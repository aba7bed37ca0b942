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
import type { Connection, ConnectionRegistry } from '../connections.js';
import { FLUSH_AT, HeldOutput, type OutputOwner } from '../held-output.js';
import type { Logger } from '../logger.js';

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

class TcpPeer implements Peer, OutputOwner {
  readonly client: ClientInfo;
  /** Called when the socket has written what made it congested. */
  onWritable: () => void = () => {};
  /** The registry's record of this connection, for the memory it holds. */
  connection: Connection | null = null;
  /** Replies of the current burst, joined (a rope V8 flattens once, when the socket writes it). */
  private out = '';
  private readonly output: HeldOutput;
  private inputBytes = 0;

  constructor(
    private readonly socket: net.Socket,
    private readonly connections: ConnectionRegistry,
  ) {
    this.client = { transport: Transport.Tcp, remoteAddress: socket.remoteAddress ?? '', user: DEFAULT_USER };
    this.output = new HeldOutput(socket, this);
  }

  send(reply: string): void {
    this.out = this.out + reply + CRLF;
    if (this.out.length > FLUSH_AT) this.flush();
  }

  get congested(): boolean {
    return this.output.congested;
  }

  flush(): void {
    if (this.out === '') return;
    const output = this.output;
    if (output.busy) output.holdString(this.out);
    else output.write(this.out);
    this.out = '';
    output.flush();
  }

  holdsInput(bytes: number): void {
    this.inputBytes = bytes;
    this.changed();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  close(): void {
    const socket = this.socket;
    this.output.whenHeldWritten(() => socket.end());
    // Read and drop what the client still sends, so its FIN is seen.
    socket.resume();
    // The grace starts once every reply is written: a slow reader still gets them all.
    socket.once('finish', () => setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref());
    dropWhenStalled(socket, () => socket.destroy());
  }

  /** Nothing is being written to this client. */
  get written(): boolean {
    return this.out === '' && !this.output.busy;
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

/** Socket options of the JNHP listeners, plain and TLS. */
export const TCP_SOCKET_OPTIONS = { allowHalfOpen: true, noDelay: true } as const;

export function createTcpServer(engine: Engine, options: TcpServerOptions): net.Server {
  return net.createServer(TCP_SOCKET_OPTIONS, tcpConnectionHandler(engine, options));
}

/** Serves JNHP on one accepted socket: a plain one, or a TLS one once its handshake is done. */
export function tcpConnectionHandler(engine: Engine, options: TcpServerOptions): (socket: net.Socket) => void {
  const { connections, logger } = options;
  return (socket) => {
    const peer = new TcpPeer(socket, connections);
    const session = new LineSession(engine, peer, {
      maxLineBytes: options.maxLineBytes,
      observer: options.observer,
      access: options.access,
      onInternalError: (err) => logger.error({ err, transport: 'tcp' }, 'command failed'),
    });
    peer.onWritable = () => session.writable();
    const connection: Connection = {
      transport: Transport.Tcp,
      remoteAddress: peer.client.remoteAddress,
      drain: () => session.drain(),
      destroy: () => socket.destroy(),
      memory: 0,
      lastInput: 0,
      quiet: () => session.isIdle && peer.written,
      closeIdle: () => {
        logger.debug({ transport: Transport.Tcp, remoteAddress: peer.client.remoteAddress }, 'idle: closing');
        session.drain();
      },
    };
    const refused = connections.add(connection);
    if (refused !== null) {
      socket.end(`${formatError(refused)}\r\n`);
      socket.on('error', () => {});
      setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
      return;
    }
    peer.connection = connection;
    socket.on('data', (chunk: Buffer) => {
      connection.lastInput = connections.now;
      session.receive(chunk);
    });
    socket.on('end', () => session.endOfInput());
    socket.on('error', (err) => logger.debug({ err: err.message, transport: 'tcp' }, 'connection error'));
    socket.on('close', () => {
      session.destroy();
      connections.delete(connection);
    });
  };
}
