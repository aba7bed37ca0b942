// JNHP lines over raw TCP: adapts a net.Socket to a core LineSession.

import net from 'node:net';
import type { Engine } from '../../core/engine.js';
import type { Peer } from '../../core/session.js';
import { LineSession } from '../../core/session.js';
import type { ClientInfo } from '../../core/validation/validation.js';
import { Transport } from '../../core/validation/validation.js';
import type { ConnectionRegistry } from '../connections.js';
import type { Logger } from '../logger.js';

/** Unsent reply bytes past which a client is no longer read (it does not read its replies). */
export const MAX_UNSENT_BYTES = 1024 * 1024;
/** How long a closed connection may linger before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

export interface TcpServerOptions {
  readonly maxLineBytes: number;
  readonly connections: ConnectionRegistry;
  readonly logger: Logger;
}

class TcpPeer implements Peer {
  readonly client: ClientInfo;
  private out = '';
  private inputPaused = false;
  private outputFull = false;

  constructor(private readonly socket: net.Socket) {
    this.client = { transport: Transport.Tcp, remoteAddress: socket.remoteAddress ?? '' };
  }

  send(reply: string): void {
    this.out += `${reply}\r\n`;
  }

  flush(): void {
    if (this.out === '') return;
    const socket = this.socket;
    socket.write(this.out);
    this.out = '';
    if (!this.outputFull && socket.writableLength > MAX_UNSENT_BYTES) {
      this.outputFull = true;
      socket.pause();
      socket.once('drain', () => {
        this.outputFull = false;
        if (!this.inputPaused) socket.resume();
      });
    }
  }

  pause(): void {
    this.inputPaused = true;
    this.socket.pause();
  }

  resume(): void {
    this.inputPaused = false;
    if (!this.outputFull) this.socket.resume();
  }

  close(): void {
    const socket = this.socket;
    socket.end();
    // Read and drop what the client still sends, so its FIN is seen.
    this.inputPaused = false;
    socket.resume();
    setTimeout(() => socket.destroy(), CLOSE_GRACE_MS).unref();
  }
}

export function createTcpServer(engine: Engine, options: TcpServerOptions): net.Server {
  const { connections, logger } = options;
  return net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const session = new LineSession(engine, new TcpPeer(socket), {
      maxLineBytes: options.maxLineBytes,
      onInternalError: (err) => logger.error({ err, transport: 'tcp' }, 'command failed'),
    });
    const connection = {
      transport: Transport.Tcp,
      drain: () => session.drain(),
      destroy: () => socket.destroy(),
    };
    if (!connections.add(connection)) {
      socket.end('ERROR too many connections (see --max-connections)\r\n');
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
  });
}
