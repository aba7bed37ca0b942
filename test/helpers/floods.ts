// Hostile loads for tests and the bench (SPEC section 7): clients that flood
// commands, never read, or send their bytes in the most expensive shapes.
// Each is bounded by the number of its sockets and stops when told.

import net from 'node:net';
import { clientFrame, FrameReader, Opcode, rawWebSocket } from './ws-frames.js';

export type FloodTransport = 'tcp' | 'ws';

export interface Flood {
  readonly sockets: readonly net.Socket[];
  /** True once every socket is waiting for the gateway to read (its send buffer full). */
  readonly allBlocked: boolean;
  /** Round trips of whole batches so far, in ms (batch floods only). */
  readonly batchMillis: readonly number[];
  stop(): void;
}

const LINE_PING = Buffer.from('PING\r\n');
const FRAME_PING = clientFrame('PING');

function repeat(unit: Buffer, times: number): Buffer {
  return Buffer.concat(Array.from({ length: times }, () => unit));
}

async function open(transport: FloodTransport, port: number): Promise<net.Socket> {
  if (transport === 'ws') return (await rawWebSocket(port)).socket;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** `count` clients that send PINGs (on WebSocket one per message) as fast as the gateway takes them and never read. */
export async function pingsNeverRead(transport: FloodTransport, port: number, count: number): Promise<Flood> {
  const block = repeat(transport === 'ws' ? FRAME_PING : LINE_PING, 8192);
  const sockets: net.Socket[] = [];
  const blocked = new Set<net.Socket>();
  let stopped = false;
  for (let i = 0; i < count; i++) {
    const socket = await open(transport, port);
    socket.pause();
    socket.on('error', () => {});
    sockets.push(socket);
    const pour = (): void => {
      blocked.delete(socket);
      while (!stopped && !socket.destroyed) {
        if (!socket.write(block)) {
          blocked.add(socket);
          socket.once('drain', pour);
          return;
        }
      }
    };
    pour();
  }
  return {
    sockets,
    get allBlocked() {
      return blocked.size === sockets.length;
    },
    batchMillis: [],
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/** `count` clients that send `batch` PINGs at a time (on WebSocket one per message) and read every reply before the next batch. */
export async function pingBatches(
  transport: FloodTransport,
  port: number,
  count: number,
  batch: number,
): Promise<Flood> {
  const block = repeat(transport === 'ws' ? FRAME_PING : LINE_PING, batch);
  const sockets: net.Socket[] = [];
  const batchMillis: number[] = [];
  let stopped = false;
  for (let i = 0; i < count; i++) {
    const socket = await open(transport, port);
    socket.on('error', () => {});
    sockets.push(socket);
    let replies = 0;
    let sentAt = 0;
    const send = (): void => {
      replies = 0;
      sentAt = performance.now();
      socket.write(block);
    };
    const replied = (): void => {
      if (++replies < batch) return;
      batchMillis.push(performance.now() - sentAt);
      if (!stopped) send();
    };
    if (transport === 'ws') {
      const reader = new FrameReader((opcode) => {
        if (opcode === Opcode.Text) replied();
      });
      socket.on('data', (chunk: Buffer) => reader.feed(chunk));
    } else {
      socket.on('data', (chunk: Buffer) => {
        for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, nl + 1)) replied();
      });
    }
    send();
  }
  return {
    sockets,
    allBlocked: false,
    batchMillis,
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/** `count` REST PUTs with a chunked body of `chunks` one-byte chunks, whose last chunk never comes. Resolves once all is sent. */
export async function oneByteChunkedPuts(httpPort: number, count: number, chunks: number): Promise<Flood> {
  const head = (i: number): string =>
    `PUT /keys/chunked-${i} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`;
  const body = repeat(Buffer.from('1\r\nx\r\n'), chunks);
  const sockets = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const socket = await open('tcp', httpPort);
      socket.on('error', () => {});
      socket.write(head(i));
      // Many small writes, so that the server sees many small reads.
      for (let at = 0; at < body.length; at += 6 * 64) {
        if (!socket.write(body.subarray(at, at + 6 * 64))) await new Promise((r) => socket.once('drain', r));
      }
      return socket;
    }),
  );
  return { sockets, allBlocked: false, batchMillis: [], stop: () => destroyAll(sockets) };
}

/**
 * `count` TCP clients that each send one line of `lineBytes` bytes a byte at
 * a time, taking turns, so that the gateway reads them in tiny pieces; the
 * line end never comes. Resolves once every byte is sent.
 */
export async function oneBytePerPacket(port: number, count: number, lineBytes: number): Promise<Flood> {
  const sockets = await Promise.all(Array.from({ length: count }, () => open('tcp', port)));
  for (const s of sockets) {
    s.setNoDelay(true);
    s.on('error', () => {});
  }
  const byte = Buffer.from('x');
  for (let i = 0; i < lineBytes; i++) {
    for (const s of sockets) s.write(byte);
    // Let the gateway read between two rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { sockets, allBlocked: false, batchMillis: [], stop: () => destroyAll(sockets) };
}

function destroyAll(sockets: readonly net.Socket[]): void {
  for (const s of sockets) s.destroy();
}

/** Latencies (ms) of `count` requests made one after another, sorted. */
export async function latencies(count: number, request: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await request();
    times.push(performance.now() - start);
  }
  return times.sort((a, b) => a - b);
}

/** The q-quantile (0..1) of sorted values. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}
