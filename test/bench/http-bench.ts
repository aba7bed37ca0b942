// REST GET and PUT (keep-alive, one request in flight per connection) beside
// a bare node:http server and two bare hono apps doing the same work on a Map
// (with Responses, and with node-server's direct response), and WebSocket
// round trips beside a bare `ws` echo server: the ceilings of the HTTP port
// on this machine (the hono ones are what any hono app can reach).

import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnGateway } from '../helpers/spawn-gateway.js';
import { clientFrame, FrameReader, Opcode, rawWebSocket } from '../helpers/ws-frames.js';
import type { LoadResult } from './load-generator.js';
import { recordRatio } from './ratios.js';
import { httpReader, openPlain, type ResponseReader, runRoundTrips } from './round-trip-load.js';
import { type BenchSettings, formatResult, KEYS, keyName, preload, VALUE } from './tcp-bench.js';

interface Server {
  readonly port: number;
  readonly pid: number;
  stop(): void;
}

async function startCeiling(kind: 'hono' | 'hono-direct' | 'node' | 'ws'): Promise<Server> {
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'http-ceiling-server.js');
  const child = spawn(process.execPath, [script, kind, VALUE], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').once('data', (text: string) => resolve(Number(text.trim())));
    child.once('exit', (code) => reject(new Error(`${kind} ceiling server exited ${code}`)));
  });
  return { port, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

/** Cycles through pre-built requests, each connection from its own place. */
function cycling(requests: readonly Buffer[]): (conn: number) => Buffer {
  const next: number[] = [];
  return (conn) => {
    const at = next[conn] ?? (conn * 7) % requests.length;
    next[conn] = (at + 1) % requests.length;
    return requests[at] as Buffer;
  };
}

const getRequests = (): Buffer[] =>
  Array.from({ length: KEYS }, (_, i) =>
    Buffer.from(`GET /keys/${keyName((i * 7919) % KEYS)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
  );

/** PUTs of unique names: one request buffer per connection whose name digits are rewritten in place. */
function putRequests(tag: string): (conn: number) => Buffer {
  const DIGITS = 9;
  const templates: Buffer[] = [];
  const counters: number[] = [];
  return (conn) => {
    let request = templates[conn];
    if (request === undefined) {
      request = Buffer.from(
        `PUT /keys/${tag}${String(conn).padStart(3, '0')}_${'0'.repeat(DIGITS)} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${VALUE.length}\r\n\r\n${VALUE}`,
      );
      templates[conn] = request;
    }
    // The previous request has been answered, so its bytes are written: the buffer can be reused.
    let n = (counters[conn] ?? 0) + 1;
    counters[conn] = n;
    const end = request.indexOf(' HTTP/1.1');
    for (let i = end - 1; i >= end - DIGITS; i--, n = Math.floor(n / 10)) request[i] = 0x30 + (n % 10);
    return request;
  };
}

/** Text frames; `ok` when the payload is `expected` (any payload when it is null). */
function frameReader(expected: Buffer | null): () => ResponseReader {
  return () => {
    let respond: (ok: boolean) => void = () => {};
    const reader = new FrameReader((opcode, buf, start, end) => {
      if (opcode !== Opcode.Text) return;
      respond(expected === null || buf.compare(expected, 0, expected.length, start, end) === 0);
    });
    return {
      feed(chunk, onResponse) {
        respond = onResponse;
        reader.feed(chunk);
      },
    };
  };
}

const getFrames = (): Buffer[] =>
  Array.from({ length: KEYS }, (_, i) => clientFrame(`GET ${keyName((i * 7919) % KEYS)}`));

export async function httpBench(s: BenchSettings): Promise<string[]> {
  const base = { connections: s.connections, warmupMs: s.warmupMs, durationMs: s.durationMs };
  const hono = await startCeiling('hono');
  const direct = await startCeiling('hono-direct');
  const echo = await startCeiling('ws');
  const bare = await startCeiling('node');
  const gateway = await spawnGateway();
  try {
    await preload(gateway.tcpPort, KEYS);
    const value = Buffer.from(VALUE);
    let honoTop: LoadResult | null = null;
    let honoPutTop: LoadResult | null = null;
    let directTop: LoadResult | null = null;
    let directPutTop: LoadResult | null = null;
    let get: LoadResult | null = null;
    let put: LoadResult | null = null;
    let nodeTop: LoadResult | null = null;
    let nodePutTop: LoadResult | null = null;
    let echoTop: LoadResult | null = null;
    let ws: LoadResult | null = null;
    const best = (a: LoadResult | null, b: LoadResult): LoadResult =>
      a === null || b.opsPerSecond > a.opsPerSecond ? b : a;
    // Rounds alternate between ceiling and gateway so that both see the same machine.
    for (let round = 0; round < s.rounds; round++) {
      const http = { ...base, open: openPlain };
      honoTop = best(
        honoTop,
        await runRoundTrips({
          ...http,
          port: hono.port,
          request: cycling(getRequests()),
          reader: httpReader(200),
          watchPids: [hono.pid],
        }),
      );
      directTop = best(
        directTop,
        await runRoundTrips({
          ...http,
          port: direct.port,
          request: cycling(getRequests()),
          reader: httpReader(200),
          watchPids: [direct.pid],
        }),
      );
      nodeTop = best(
        nodeTop,
        await runRoundTrips({
          ...http,
          port: bare.port,
          request: cycling(getRequests()),
          reader: httpReader(200),
          watchPids: [bare.pid],
        }),
      );
      get = best(
        get,
        await runRoundTrips({
          ...http,
          port: gateway.httpPort,
          request: cycling(getRequests()),
          reader: httpReader(200),
          watchPids: [gateway.pid],
        }),
      );
      honoPutTop = best(
        honoPutTop,
        await runRoundTrips({
          ...http,
          port: hono.port,
          request: putRequests(`c${round}_`),
          reader: httpReader(201),
          watchPids: [hono.pid],
        }),
      );
      directPutTop = best(
        directPutTop,
        await runRoundTrips({
          ...http,
          port: direct.port,
          request: putRequests(`d${round}_`),
          reader: httpReader(201),
          watchPids: [direct.pid],
        }),
      );
      nodePutTop = best(
        nodePutTop,
        await runRoundTrips({
          ...http,
          port: bare.port,
          request: putRequests(`n${round}_`),
          reader: httpReader(201),
          watchPids: [bare.pid],
        }),
      );
      put = best(
        put,
        await runRoundTrips({
          ...http,
          port: gateway.httpPort,
          request: putRequests(`p${round}_`),
          reader: httpReader(201),
          watchPids: [gateway.pid],
        }),
      );
      const websocket = { ...base, open: (port: number) => rawWebSocket(port) };
      echoTop = best(
        echoTop,
        await runRoundTrips({
          ...websocket,
          port: echo.port,
          request: cycling(getFrames()),
          reader: frameReader(null),
          watchPids: [echo.pid],
        }),
      );
      ws = best(
        ws,
        await runRoundTrips({
          ...websocket,
          port: gateway.httpPort,
          request: cycling(getFrames()),
          reader: frameReader(value),
          watchPids: [gateway.pid],
        }),
      );
    }
    const c = `c=${s.connections}`;
    const getLabel = `http GET /keys/{name} (memory) ${c}`;
    const putLabel = `http PUT /keys/{name} unique (memory) ${c}`;
    recordRatio(getLabel, get as LoadResult, 'bare node:http + Map', nodeTop as LoadResult, 0.9);
    recordRatio(putLabel, put as LoadResult, 'bare node:http + Map', nodePutTop as LoadResult, 0.9);
    recordRatio(`ws GET round trip (memory) ${c}`, ws as LoadResult, 'bare ws echo', echoTop as LoadResult, 0.9);
    return [
      formatResult(`http ceiling: bare node:http + Map, GETs ${c}`, nodeTop as LoadResult),
      formatResult(`http ceiling: bare hono app + Map, GETs ${c}`, honoTop as LoadResult, nodeTop as LoadResult),
      formatResult(`http ceiling: hono, direct reply, GETs ${c}`, directTop as LoadResult, nodeTop as LoadResult),
      formatResult(getLabel, get as LoadResult, nodeTop as LoadResult),
      formatResult(`http ceiling: bare node:http + Map, PUTs ${c}`, nodePutTop as LoadResult),
      formatResult(`http ceiling: bare hono app + Map, PUTs ${c}`, honoPutTop as LoadResult, nodePutTop as LoadResult),
      formatResult(`http ceiling: hono, direct reply, PUTs ${c}`, directPutTop as LoadResult, nodePutTop as LoadResult),
      formatResult(putLabel, put as LoadResult, nodePutTop as LoadResult),
      formatResult(`ws ceiling: bare ws echo server ${c}`, echoTop as LoadResult),
      formatResult(`ws GET round trip (memory) ${c}`, ws as LoadResult, echoTop as LoadResult),
    ];
  } finally {
    hono.stop();
    direct.stop();
    echo.stop();
    bare.stop();
    await gateway.stop();
  }
}
