// SPEC section 7 measured on the running gateway: its memory (VmRSS and its
// peak VmHWM, from /proc) while clients send what they should not.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { MB, type Memory, memoryOf } from '../helpers/proc-memory.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

/** Growth of the gateway's peak memory we accept while one client misbehaves. */
const GROWTH_BOUND = 100 * MB;

function connectRaw(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Writes `chunk` `times` times, waiting for 'drain' whenever the socket asks to. */
async function writeRespectingBackpressure(socket: net.Socket, chunk: Buffer, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        socket.once('drain', resolve);
        socket.once('close', () => reject(new Error('connection closed while writing')));
      });
    }
  }
}

/** PINGs on `client` until `until` settles; each PONG must come within `boundMs`. Returns how many were answered. */
async function keepPinging(client: LineClient, until: Promise<unknown>, boundMs: number): Promise<number> {
  let done = false;
  until.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  let answered = 0;
  while (!done) {
    expect(await client.request('PING', boundMs)).toBe('PONG');
    answered++;
  }
  return answered;
}

describe('the gateway under a misbehaving client', () => {
  let gateway: SpawnedGateway | undefined;
  const sockets: net.Socket[] = [];

  afterEach(async () => {
    for (const socket of sockets) socket.destroy();
    sockets.length = 0;
    await gateway?.stop('SIGKILL');
    gateway = undefined;
  });

  async function start(): Promise<{ gateway: SpawnedGateway; other: LineClient; before: Memory }> {
    gateway = await spawnGateway();
    const other = await LineClient.connect(gateway.tcpPort);
    sockets.push(other.socket);
    // Warm up the paths the test uses before taking the baseline.
    expect(await other.request('STORE warm-up v')).toBe('W00T!');
    expect(await other.request('GET warm-up')).toBe('v');
    return { gateway, other, before: memoryOf(gateway.pid) };
  }

  it('skips a 100 MB line without a newline in bounded memory while serving others', async () => {
    const { gateway, other, before } = await start();
    const liar = await connectRaw(gateway.tcpPort);
    sockets.push(liar);
    let received = '';
    liar.setEncoding('utf8').on('data', (text: string) => {
      received += text;
    });

    const streamed = writeRespectingBackpressure(liar, Buffer.alloc(64 * 1024, 'x'), 1600);
    const pings = await keepPinging(other, streamed, 2000);
    await streamed;

    liar.write('\r\nPING\r\n');
    await expect.poll(() => received, { timeout: 5000 }).toContain('PONG\r\n');
    expect(received).toBe('ERROR line longer than 65536 bytes (see --max-line-bytes)\r\nPONG\r\n');
    expect(pings).toBeGreaterThan(0);
    const after = memoryOf(gateway.pid);
    expect(after.hwm - before.rss).toBeLessThan(GROWTH_BOUND);
  });

  it('stops reading a client that never reads its large replies, in bounded memory, while serving others', async () => {
    const { gateway, other, before } = await start();
    const value = 'v'.repeat(60_000);
    const greedy = await connectRaw(gateway.tcpPort);
    sockets.push(greedy);
    const stored = new Promise<string>((resolve) => greedy.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    greedy.write(`STORE big ${value}\r\n`);
    expect(await stored).toBe('W00T!\r\n');

    greedy.pause();
    const gets = 20_000;
    greedy.write('GET big\r\n'.repeat(gets));

    // Unbounded, the gateway would be turning 1.2 GB of replies into output now; it must serve another client meanwhile.
    const watchUntil = Date.now() + 750;
    let rounds = 0;
    while (Date.now() < watchUntil || rounds < 3) {
      expect(await other.request('GET big', 2000)).toBe(value);
      expect(memoryOf(gateway.pid).hwm - before.rss).toBeLessThan(GROWTH_BOUND);
      rounds++;
    }

    // The greedy client reads at last: every reply comes, in order, and memory stays bounded while they stream out.
    let bytes = 0;
    let lines = 0;
    let tail = '';
    const all = new Promise<void>((resolve) => {
      greedy.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
        tail = (tail + chunk.toString('latin1', Math.max(0, chunk.length - 6))).slice(-6);
        if (lines === gets + 1) resolve();
      });
    });
    greedy.write('PING\r\n');
    greedy.resume();
    await all;
    expect(bytes).toBe(gets * (value.length + 2) + 'PONG\r\n'.length);
    expect(tail).toBe('PONG\r\n');
    expect(memoryOf(gateway.pid).hwm - before.rss).toBeLessThan(GROWTH_BOUND);
  });
});
