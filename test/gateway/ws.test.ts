// The WebSocket line channel through real sockets (SPEC section 2).

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';
import { clientFrame, FrameReader, Opcode, rawWebSocket } from '../helpers/ws-frames.js';

const MAX_LINE_BYTES = 1024;
const decide = path.join(repoRoot(), 'test', 'fixtures', 'validators', 'rest-decide.mjs');

describe('the WebSocket line channel', () => {
  let gateway: SpawnedGateway;
  const clients: WsClient[] = [];
  const connect = async (): Promise<WsClient> => {
    const client = await WsClient.connect(gateway.httpPort);
    clients.push(client);
    return client;
  };

  beforeAll(async () => {
    gateway = await spawnGateway(['--max-line-bytes', String(MAX_LINE_BYTES)]);
  });
  afterEach(() => {
    for (const c of clients) c.close();
    clients.length = 0;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers the seed transcript, one reply message per command, without line ends', async () => {
    const ws = await connect();
    expect(await ws.request('STORE foo bar')).toBe('W00T!');
    expect(await ws.request('STORE foo baz')).toBe('RARGH!');
    expect(await ws.request('EXISTS foo')).toBe('AWESOME!');
    expect(await ws.request('GET foo')).toBe('bar');
    expect(await ws.request('PING')).toBe('PONG');
  });

  it('answers a GET of an absent name with an empty message', async () => {
    const ws = await connect();
    expect(await ws.request('GET absent-name')).toBe('');
  });

  it('runs several lines of one message in order, one reply message each', async () => {
    const ws = await connect();
    ws.send('STORE multi one\r\nGET multi\nEXISTS multi\n\nGET nothing-here\nFROB x\nPING');
    expect(await ws.read(6)).toEqual(['W00T!', 'one', 'AWESOME!', '', "ERROR unknown command 'FROB'", 'PONG']);
    expect(await ws.request('GET multi')).toBe('one');
  });

  it('keeps the inner and trailing blanks of a value, as on TCP', async () => {
    const ws = await connect();
    expect(await ws.request('STORE spaced a  b\t ')).toBe('W00T!');
    expect(await ws.request('GET spaced')).toBe('a  b\t ');
  });

  it('answers ERROR to a binary message and goes on', async () => {
    const ws = await connect();
    ws.send(Buffer.from('GET foo'), true);
    expect(await ws.read(1)).toEqual(['ERROR binary messages are not supported']);
    expect(await ws.request('PING')).toBe('PONG');
  });

  it('answers ERROR to a text message that is not valid UTF-8 and goes on', async () => {
    const ws = await connect();
    ws.send(Buffer.from([0x47, 0x45, 0x54, 0x20, 0x61, 0xff]));
    expect(await ws.read(1)).toEqual(['ERROR name is not valid UTF-8']);
    expect(await ws.request('PING')).toBe('PONG');
  });

  it('answers ERROR to a line longer than --max-line-bytes and goes on', async () => {
    const ws = await connect();
    // One byte over the line limit, and still within the message limit (the line limit and a line end).
    ws.send(`STORE long ${'x'.repeat(MAX_LINE_BYTES + 1 - 'STORE long '.length)}`);
    expect(await ws.read(1)).toEqual([`ERROR line longer than ${MAX_LINE_BYTES} bytes (see --max-line-bytes)`]);
    expect(await ws.request('GET long')).toBe('');
  });

  it('accepts a line of exactly --max-line-bytes bytes with its line end', async () => {
    const ws = await connect();
    const line = `STORE longest ${'y'.repeat(MAX_LINE_BYTES - 'STORE longest '.length)}`;
    expect(await ws.request(`${line}\r\n`)).toBe('W00T!');
  });

  it('closes with 1009 on a message larger than the line limit', async () => {
    const ws = await connect();
    ws.send('z'.repeat(4 * MAX_LINE_BYTES));
    expect(await ws.waitClosed()).toBe(1009);
  });

  it('closes after QUIT, once the replies to earlier commands are sent', async () => {
    const ws = await connect();
    ws.send('PING\nQUIT\nPING');
    expect(await ws.read(1)).toEqual(['PONG']);
    expect(await ws.waitClosed()).toBe(1000);
    expect(ws.unread).toEqual([]);
  });

  it('refuses the upgrade on any path but /ws', async () => {
    await expect(WsClient.connect(gateway.httpPort, { path: '/other' })).rejects.toThrow(/404/);
  });

  it('shares names with TCP', async () => {
    const ws = await connect();
    const tcp = await LineClient.connect(gateway.tcpPort);
    expect(await tcp.request('STORE from-tcp t')).toBe('W00T!');
    expect(await ws.request('GET from-tcp')).toBe('t');
    expect(await ws.request('STORE from-ws w')).toBe('W00T!');
    expect(await tcp.request('GET from-ws')).toBe('w');
    tcp.close();
  });
});

describe('WebSocket order with a validator', () => {
  let gateway: SpawnedGateway;
  beforeAll(async () => {
    gateway = await spawnGateway(['--validator', `module:${decide}`]);
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('keeps a binary message in its place among replies that wait on a validator', async () => {
    const ws = await WsClient.connect(gateway.httpPort);
    ws.send('STORE ordered v\nSTORE refused refuse-me\nGET ordered');
    ws.send(Buffer.from([1, 2, 3]), true);
    ws.send('GET ordered');
    expect(await ws.read(5)).toEqual(['W00T!', 'RARGH!', 'v', 'ERROR binary messages are not supported', 'v']);
    ws.close();
  });
});

describe('WebSocket heartbeats', () => {
  let gateway: SpawnedGateway;
  beforeAll(async () => {
    gateway = await spawnGateway([], { env: { JNHP_WS_PING_INTERVAL_MS: '100' } });
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('closes a client that stops answering pings, and keeps one that answers', async () => {
    const silent = await WsClient.connect(gateway.httpPort, { autoPong: false });
    const lively = await WsClient.connect(gateway.httpPort);
    let pings = 0;
    lively.ws.on('ping', () => pings++);
    await silent.waitClosed(5000);
    await expect.poll(() => pings, { timeout: 5000 }).toBeGreaterThanOrEqual(3);
    expect(lively.closeCode).toBeNull();
    expect(await lively.request('PING')).toBe('PONG');
    lively.close();
  });
});

describe('WebSocket connections', () => {
  let gateway: SpawnedGateway | undefined;
  afterEach(async () => {
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });

  it('counts toward --max-connections together with TCP', async () => {
    gateway = await spawnGateway(['--max-connections', '2']);
    const tcp = await LineClient.connect(gateway.tcpPort);
    const ws = await WsClient.connect(gateway.httpPort);
    expect(await tcp.request('PING')).toBe('PONG');
    expect(await ws.request('PING')).toBe('PONG');
    const third = await WsClient.connect(gateway.httpPort);
    expect(await third.read(1)).toEqual(['ERROR too many connections (see --max-connections)']);
    expect(await third.waitClosed()).toBe(1013);
    const fourth = await LineClient.connect(gateway.tcpPort);
    expect(await fourth.readLine()).toBe('ERROR too many connections (see --max-connections)');
    ws.close();
    await expect
      .poll(async () => {
        const again = await WsClient.connect(gateway?.httpPort as number);
        const reply = await again.request('PING').catch((err: Error) => err.message);
        again.close();
        return reply;
      })
      .toBe('PONG');
    tcp.close();
    fourth.close();
  });

  it('stops reading a client that never reads its replies, in bounded memory, and answers all once it reads', async () => {
    gateway = await spawnGateway();
    const value = 'v'.repeat(60_000);
    const other = await WsClient.connect(gateway.httpPort);
    expect(await other.request(`STORE big ${value}`)).toBe('W00T!');
    const rssBefore = residentBytes(gateway.pid);

    const { socket, head } = await rawWebSocket(gateway.httpPort);
    expect(head.length).toBe(0);
    socket.pause();
    const gets = 5000;
    const frame = clientFrame('GET big');
    for (let i = 0; i < gets; i++) socket.write(frame);
    socket.write(clientFrame('PING'));

    // Unbounded, the gateway would be writing 300 MB of replies now; it serves another client meanwhile.
    for (let round = 0; round < 5; round++) expect(await other.request('GET big', 2000)).toBe(value);
    const answered = async (): Promise<number> => {
      const text = await (await fetch(`http://127.0.0.1:${gateway?.httpPort}/metrics`)).text();
      const match = /jnhp_commands_total\{transport="ws",command="GET",outcome="hit"\} (\d+)/.exec(text);
      return Number(match?.[1] ?? 0);
    };
    expect(await answered()).toBeLessThan(gets / 2);
    expect(residentBytes(gateway.pid) - rssBefore).toBeLessThan(100 * 1024 * 1024);

    let texts = 0;
    let last = '';
    const all = new Promise<void>((resolve) => {
      const reader = new FrameReader((opcode, buf, start, end) => {
        if (opcode !== Opcode.Text) return;
        texts++;
        if (end - start < 10) last = buf.toString('utf8', start, end);
        if (texts === gets + 1) resolve();
      });
      socket.on('data', (chunk: Buffer) => reader.feed(chunk));
    });
    socket.resume();
    await all;
    expect(last).toBe('PONG');
    socket.destroy();
    other.close();
  });
});

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1]) * 1024;
}
