// A pipelining load generator for line protocols: N connections, each
// keeping `depth` commands in flight. One write per burst of replies, no
// per-reply allocation, so that it outruns the server it measures.

import net from 'node:net';
import tls from 'node:tls';
import { LatencyHistogram } from './latency-histogram.js';
import { measureWindow } from './measure-window.js';

/** Fills `out` with `count` command lines for connection `conn`; returns the bytes written. */
export type CommandSource = (conn: number, count: number) => Buffer;

export interface LoadOptions {
  readonly port: number;
  /** Spreads the connections over these ports, round robin, instead of `port` (several servers). */
  readonly ports?: readonly number[];
  readonly connections: number;
  readonly depth: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly commands: CommandSource;
  /** Checks a reply line; a false return counts as an unexpected reply. */
  readonly expect?: (reply: Buffer, start: number, end: number) => boolean;
  /** Processes whose CPU use over the measured window is reported (the servers). */
  readonly watchPids?: readonly number[];
  /**
   * Replies are RESP (Redis driven directly with inline commands): a `$N`
   * line with N >= 0 and the line after it are one reply, `expect` sees the
   * second. Values never hold a line end, so lines still frame the replies.
   */
  readonly resp?: boolean;
  /** Lines each connection sends first (an AUTH), answered before its commands; their replies are not counted. */
  readonly preamble?: { readonly bytes: Buffer; readonly replies: number };
  /** Connects over TLS with these options (their `ca`, say). */
  readonly tls?: tls.ConnectionOptions;
}

export interface LoadResult {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly unexpected: number;
  /** CPU used by `watchPids` during the window, in cores (1 = one core fully busy). */
  readonly serverCores: number;
  /** CPU used by this load generator during the window, in cores. */
  readonly clientCores: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const { connections, depth } = options;
  const histogram = new LatencyHistogram();
  let measuring = false;
  let stopping = false;
  let ops = 0;
  let unexpected = 0;
  const sockets: net.Socket[] = [];

  await Promise.all(
    Array.from({ length: connections }, (_, conn) => {
      return new Promise<void>((resolve, reject) => {
        const sentAt = new Float64Array(depth);
        let head = 0;
        let inFlight = 0;
        const port = options.ports?.[conn % options.ports.length] ?? options.port;
        const socket =
          options.tls === undefined
            ? net.connect({ port, host: '127.0.0.1', noDelay: true })
            : tls.connect({ port, host: '127.0.0.1', ...options.tls }).setNoDelay(true);
        sockets.push(socket);
        let skip = options.preamble?.replies ?? 0;
        const send = (count: number): void => {
          const now = performance.now();
          for (let i = 0; i < count; i++) sentAt[(head + inFlight + i) % depth] = now;
          inFlight += count;
          socket.write(options.commands(conn, count));
        };
        let partial: Buffer | null = null;
        /** RESP: the line before was a bulk string's length, this one is its data. */
        let bulkNext = false;
        const resp = options.resp === true;
        socket.on('data', (chunk: Buffer) => {
          const data = partial ? Buffer.concat([partial, chunk]) : chunk;
          partial = null;
          const now = performance.now();
          let from = 0;
          let replies = 0;
          let nl = data.indexOf(10, from);
          while (nl !== -1 && skip > 0) {
            skip--;
            from = nl + 1;
            nl = data.indexOf(10, from);
          }
          while (nl !== -1) {
            if (resp && !bulkNext && data[from] === 0x24 && data[from + 1] !== 0x2d) {
              bulkNext = true;
              from = nl + 1;
              nl = data.indexOf(10, from);
              continue;
            }
            bulkNext = false;
            if (options.expect && !options.expect(data, from, nl - 1)) unexpected++;
            if (measuring) histogram.record((now - (sentAt[head] as number)) * 1000);
            head = (head + 1) % depth;
            replies++;
            from = nl + 1;
            nl = data.indexOf(10, from);
          }
          if (from < data.length) partial = data.subarray(from);
          inFlight -= replies;
          if (measuring) ops += replies;
          if (!stopping && replies > 0) send(replies);
        });
        socket.once(options.tls === undefined ? 'connect' : 'secureConnect', () => {
          if (options.preamble !== undefined) socket.write(options.preamble.bytes);
          send(depth);
          resolve();
        });
        socket.once('error', reject);
      });
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

/** Cycles through a pre-built buffer of same-length command lines: no allocation per command. */
export function cyclingCommands(lines: readonly string[]): CommandSource {
  const width = Buffer.byteLength(lines[0] as string);
  if (lines.some((l) => Buffer.byteLength(l) !== width)) throw new Error('lines must have one length');
  const pool = Buffer.from(lines.join('').repeat(2));
  const offsets = new Map<number, number>();
  return (conn, count) => {
    if (count > lines.length) throw new Error('more commands at once than the pool holds');
    const at = offsets.get(conn) ?? (conn * 7) % lines.length;
    offsets.set(conn, (at + count) % lines.length);
    return pool.subarray(at * width, (at + count) * width);
  };
}
