// A request/response load generator over raw sockets: N connections, each
// with one request in flight (HTTP/1.1 keep-alive without pipelining, or one
// WebSocket message waiting for its reply). Requests are pre-built buffers
// and responses are counted in place, so that it outruns the server it measures.

import net from 'node:net';
import { LatencyHistogram } from './latency-histogram.js';
import type { LoadResult } from './load-generator.js';
import { measureWindow } from './measure-window.js';

/** Counts the complete responses in each chunk; false from `ok` marks an unexpected one. */
export interface ResponseReader {
  feed(chunk: Buffer, onResponse: (ok: boolean) => void): void;
}

export interface RoundTripOptions {
  readonly port: number;
  readonly connections: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** Opens one connection, handshake included; `head` is what arrived after the handshake. */
  readonly open: (port: number) => Promise<{ socket: net.Socket; head: Buffer }>;
  /** The next request of connection `conn`. */
  readonly request: (conn: number) => Buffer;
  readonly reader: () => ResponseReader;
  readonly watchPids?: readonly number[];
}

export async function runRoundTrips(options: RoundTripOptions): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  let measuring = false;
  let stopping = false;
  let ops = 0;
  let unexpected = 0;
  const sockets: net.Socket[] = [];

  await Promise.all(
    Array.from({ length: options.connections }, async (_, conn) => {
      const { socket, head } = await options.open(options.port);
      sockets.push(socket);
      const reader = options.reader();
      let sentAt = 0;
      const send = (): void => {
        sentAt = performance.now();
        socket.write(options.request(conn));
      };
      const onResponse = (ok: boolean): void => {
        if (!ok) unexpected++;
        if (measuring) {
          histogram.record((performance.now() - sentAt) * 1000);
          ops++;
        }
        if (!stopping) send();
      };
      socket.on('data', (chunk: Buffer) => reader.feed(chunk, onResponse));
      socket.on('error', () => {});
      if (head.length > 0) reader.feed(head, onResponse);
      send();
    }),
  );

  return measureWindow(
    options,
    (on) => {
      measuring = on;
    },
    () => ({ ops, unexpected, histogram }),
    () => {
      stopping = true;
      for (const s of sockets) s.destroy();
    },
  );
}

export function openPlain(port: number): Promise<{ socket: net.Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true }, () =>
      resolve({ socket, head: Buffer.alloc(0) }),
    );
    socket.once('error', reject);
  });
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = [Buffer.from('\r\nContent-Length: '), Buffer.from('\r\ncontent-length: ')];
const LAST_CHUNK = Buffer.from('0\r\n\r\n');

/** HTTP/1.1 responses with a Content-Length or a chunked body; `ok` when the status is `status`. */
export function httpReader(status: number): () => ResponseReader {
  const code = Buffer.from(String(status));
  return () => {
    let rest: Buffer | null = null;
    return {
      feed(chunk, onResponse) {
        const buf = rest === null ? chunk : Buffer.concat([rest, chunk]);
        rest = null;
        let at = 0;
        while (at < buf.length) {
          const headEnd = buf.indexOf(HEADER_END, at);
          if (headEnd === -1) break;
          let end = -1;
          let lengthAt = -1;
          for (const name of CONTENT_LENGTH) {
            lengthAt = buf.indexOf(name, at);
            if (lengthAt !== -1 && lengthAt < headEnd) {
              lengthAt += name.length;
              break;
            }
            lengthAt = -1;
          }
          if (lengthAt !== -1) {
            let length = 0;
            for (let i = lengthAt; (buf[i] as number) >= 0x30 && (buf[i] as number) <= 0x39; i++) {
              length = length * 10 + (buf[i] as number) - 0x30;
            }
            end = headEnd + 4 + length;
            if (end > buf.length) break;
          } else {
            const last = buf.indexOf(LAST_CHUNK, headEnd + 4);
            if (last === -1) break;
            end = last + LAST_CHUNK.length;
          }
          onResponse(buf.compare(code, 0, 3, at + 9, at + 12) === 0);
          at = end;
        }
        if (at < buf.length) rest = buf.subarray(at);
      },
    };
  };
}
