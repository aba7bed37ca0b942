// JNHP over a TCP or TLS socket (Node only).

import net from 'node:net';
import tls from 'node:tls';
import type { OpenTransport, Transport, TransportEvents } from './transport.js';

class TcpTransport implements Transport {
  readonly maxBatchChars = Number.POSITIVE_INFINITY;
  private buffered = '';

  constructor(
    private readonly socket: net.Socket,
    events: TransportEvents,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      let start = 0;
      let nl = text.indexOf('\n');
      while (nl !== -1) {
        let line = text.slice(start, nl);
        if (this.buffered.length > 0) {
          line = this.buffered + line;
          this.buffered = '';
        }
        events.receive(line.endsWith('\r') ? line.slice(0, -1) : line);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      if (start < text.length) this.buffered += text.slice(start);
    });
    let failure: Error | undefined;
    socket.on('error', (err) => {
      failure = err;
    });
    socket.on('close', () => events.disconnected(failure));
  }

  send(lines: string): void {
    this.socket.write(`${lines}\n`);
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export const openTcp: OpenTransport = (target, events, options) =>
  new Promise((resolve, reject) => {
    const socket = target.tls
      ? tls.connect({
          host: target.host,
          port: target.port,
          servername: net.isIP(target.host) === 0 ? target.host : undefined,
          ...options.tls,
        })
      : net.connect({ host: target.host, port: target.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy(new Error(`connecting took longer than ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    const failed = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', failed);
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', failed);
      resolve(new TcpTransport(socket, events));
    });
  });
