import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';

const raw = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Connects, writes `data`, and collects every byte the server sends until it closes the connection. */
function exchangeUntilClosed(port: number, data: Buffer | string, timeoutMs = 5000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ port, host: '127.0.0.1' }, () => socket.write(data));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connection still open after ${timeoutMs} ms; got ${Buffer.concat(chunks).toString()}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

function write(socket: net.Socket, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));
}

describe('the TCP server', () => {
  let gateway: SpawnedGateway;
  let port: number;
  const open: LineClient[] = [];

  async function connect(): Promise<LineClient> {
    const client = await LineClient.connect(port);
    open.push(client);
    return client;
  }

  /** GET on a fresh connection: what another client sees. */
  async function getElsewhere(name: string): Promise<string> {
    const other = await connect();
    other.send(`GET ${name}\r\n`);
    const reply = await other.readLine();
    other.close();
    return reply;
  }

  beforeAll(async () => {
    gateway = await spawnGateway();
    port = gateway.tcpPort;
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await gateway?.stop();
  });

  it('answers the seed transcript', async () => {
    const client = await connect();
    expect(await client.request('STORE foo bar')).toBe('W00T!');
    expect(await client.request('STORE foo baz')).toBe('RARGH!');
    expect(await client.request('EXISTS foo')).toBe('AWESOME!');
    expect(await client.request('GET foo')).toBe('bar');
    expect(await client.request('EXISTS nothing')).toBe('RARGH!');
    expect(await client.request('GET nothing')).toBe('');
  });

  it('accepts lower-case and mixed-case commands', async () => {
    const client = await connect();
    expect(await client.request('store lower value')).toBe('W00T!');
    expect(await client.request('exists lower')).toBe('AWESOME!');
    expect(await client.request('get lower')).toBe('value');
    expect(await client.request('Get lower')).toBe('value');
    expect(await client.request('ping')).toBe('PONG');
    client.send('qUiT\r\n');
    await client.waitClosed();
  });

  it('accepts bare LF and always answers with CRLF', async () => {
    const replies = await exchangeUntilClosed(
      port,
      'STORE bare-lf v\nGET bare-lf\nEXISTS bare-lf\nGET none-lf\nPING\nQUIT\n',
    );
    expect(replies.toString('latin1')).toBe('W00T!\r\nv\r\nAWESOME!\r\n\r\nPONG\r\n');
  });

  it('keeps a value verbatim, inner and trailing spaces and tabs included', async () => {
    const client = await connect();
    expect(await client.request('STORE spaced \t  hello   world\t again  ')).toBe('W00T!');
    expect(await client.request('GET spaced')).toBe('hello   world\t again  ');
    expect(await client.request('  GET\tspaced \t')).toBe('hello   world\t again  ');
    expect(await client.request('STORE unicode ünïcødé ✓ 鍵')).toBe('W00T!');
    expect(await client.request('GET unicode')).toBe('ünïcødé ✓ 鍵');
  });

  it('answers every line, an unterminated last one included, to a client that half-closes, then closes', async () => {
    const replies = await new Promise<string>((resolve) => {
      let text = '';
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
        socket.end('STORE half-close v\r\nPING\r\nGET half-close');
      });
      socket.setEncoding('utf8').on('data', (chunk: string) => {
        text += chunk;
      });
      socket.on('end', () => {
        socket.destroy();
        resolve(text);
      });
    });
    expect(replies).toBe('W00T!\r\nPONG\r\nv\r\n');
  });

  it('accepts a line of exactly --max-line-bytes and refuses one byte more', async () => {
    const client = await connect();
    const fits = `STORE limit-fits ${'x'.repeat(65536 - 'STORE limit-fits '.length)}`;
    const over = `STORE limit-over ${'x'.repeat(65537 - 'STORE limit-over '.length)}`;
    expect(Buffer.byteLength(fits)).toBe(65536);
    client.send(`${fits}\r\n${over}\n`);
    expect(await client.readLines(2)).toEqual(['W00T!', 'ERROR line longer than 65536 bytes (see --max-line-bytes)']);
    expect(await client.request('EXISTS limit-over')).toBe('RARGH!');
  });

  it('answers PING with PONG and ignores blank lines', async () => {
    const client = await connect();
    client.send('\r\n   \r\n\t\r\nPING\r\n\r\nPING  \r\n');
    expect(await client.readLines(2)).toEqual(['PONG', 'PONG']);
  });

  it('flushes the replies to earlier commands on QUIT, then closes and runs nothing after it', async () => {
    const replies = await exchangeUntilClosed(
      port,
      'STORE quit-1 v1\r\nGET quit-1\r\nPING\r\nQUIT\r\nSTORE quit-2 v2\r\n',
    );
    expect(replies.toString()).toBe('W00T!\r\nv1\r\nPONG\r\n');
    expect(await getElsewhere('quit-2')).toBe('');
  });

  it('still delivers every reply owed at QUIT to a client that reads them seconds later', async () => {
    const big = 'b'.repeat(60_000);
    const gets = 80;
    const expected = Buffer.byteLength(`W00T!\r\n${`${big}\r\n`.repeat(gets)}`);
    const socket = net.connect({ port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    // Nothing is read for longer than the server's grace for closing connections.
    socket.pause();
    socket.write(`STORE slow-reader ${big}\r\n${'GET slow-reader\r\n'.repeat(gets)}QUIT\r\n`);
    const closedEarly = new Promise((resolve) => socket.once('close', () => resolve('closed')));
    const notYet = new Promise((resolve) => setTimeout(() => resolve('open'), 2500));
    expect(await Promise.race([closedEarly, notYet])).toBe('open');
    let received = 0;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    socket.resume();
    await new Promise((resolve) => socket.once('end', resolve));
    expect(received).toBe(expected);
    socket.destroy();
  });

  describe('errors', () => {
    const longName = 'n'.repeat(251);
    const cases: [string, Buffer, RegExp][] = [
      ['an unknown command', raw('FROB x'), /^ERROR unknown command/],
      ['GET without a name', raw('GET'), /^ERROR wrong number of arguments/],
      ['GET with two names', raw('GET a b'), /^ERROR wrong number of arguments/],
      ['EXISTS without a name', raw('EXISTS'), /^ERROR wrong number of arguments/],
      ['EXISTS with two names', raw('EXISTS a b'), /^ERROR wrong number of arguments/],
      ['STORE without arguments', raw('STORE'), /^ERROR wrong number of arguments/],
      ['STORE without a value', raw('STORE err-no-value'), /^ERROR wrong number of arguments/],
      ['STORE with only blanks as value', raw('STORE err-blank-value  \t '), /^ERROR wrong number of arguments/],
      ['PING with an argument', raw('PING x'), /^ERROR wrong number of arguments/],
      ['QUIT with an argument', raw('QUIT now'), /^ERROR wrong number of arguments/],
      ['a name longer than 250 bytes in GET', raw(`GET ${longName}`), /^ERROR name longer than 250 bytes/],
      ['a name longer than 250 bytes in STORE', raw(`STORE ${longName} v`), /^ERROR name longer than 250 bytes/],
      ['a name with a control byte', raw('STORE err', [0x01], 'ctl v'), /^ERROR name holds a control character/],
      ['a name with DEL', raw('EXISTS err', [0x7f]), /^ERROR name holds a control character/],
      ['a name of invalid UTF-8', raw('GET err', [0xc3, 0x28]), /^ERROR name is not valid UTF-8/],
      ['a value of invalid UTF-8', raw('STORE err-bad-utf8 a', [0xff], 'b'), /^ERROR value is not valid UTF-8/],
      ['a value with CR', raw('STORE err-cr a\rb'), /^ERROR value holds CR, LF or NUL/],
      ['a value with NUL', raw('STORE err-nul a\0b'), /^ERROR value holds CR, LF or NUL/],
      [
        'a line longer than --max-line-bytes',
        raw(`STORE err-long ${'x'.repeat(70_000)}`),
        /^ERROR line longer than 65536 bytes \(see --max-line-bytes\)$/,
      ],
    ];

    it.each(cases)('answers ERROR to %s and serves the next command on the same connection', async (_, line, reply) => {
      const client = await connect();
      client.send(Buffer.concat([line, Buffer.from('\r\nPING\r\n')]));
      const [error, pong] = await client.readLines(2);
      expect(error).toMatch(reply);
      expect(pong).toBe('PONG');
      expect(client.closed).toBe(false);
    });

    it('stores nothing for a refused STORE', async () => {
      const client = await connect();
      client.send('STORE err-nul-name a\0b\r\nSTORE err-long-2 ');
      client.send(`${'y'.repeat(70_000)}\r\n`);
      expect(await client.readLines(2)).toEqual([
        'ERROR value holds CR, LF or NUL',
        'ERROR line longer than 65536 bytes (see --max-line-bytes)',
      ]);
      expect(await client.request('EXISTS err-nul-name')).toBe('RARGH!');
      expect(await client.request('EXISTS err-long-2')).toBe('RARGH!');
      expect(await client.request(`STORE ok-after-errors ${'z'.repeat(65_000)}`)).toBe('W00T!');
    });

    it('accepts a name of exactly 250 bytes', async () => {
      const client = await connect();
      const name = `${'é'.repeat(124)}ab`;
      expect(Buffer.byteLength(name)).toBe(250);
      expect(await client.request(`STORE ${name} longest`)).toBe('W00T!');
      expect(await client.request(`GET ${name}`)).toBe('longest');
    });
  });

  it('refuses names a\\xff and a\\xfe, which never collide with each other or with a replaced name', async () => {
    const client = await connect();
    client.send(
      raw('STORE a', [0xff], ' first\r\nSTORE a', [0xfe], ' second\r\nGET a', [0xff], '\r\nEXISTS a', [0xfe], '\r\n'),
    );
    const replies = await client.readLines(4);
    for (const reply of replies) expect(reply).toBe('ERROR name is not valid UTF-8');
    expect(await client.request('GET a\ufffd')).toBe('');
    expect(await client.request('GET a')).toBe('');
    // Valid names one byte apart stay apart.
    expect(await client.request('STORE a\u00ff first')).toBe('W00T!');
    expect(await client.request('STORE a\u00fe second')).toBe('W00T!');
    expect(await client.request('GET a\u00ff')).toBe('first');
    expect(await client.request('GET a\u00fe')).toBe('second');
  });

  describe('a request that looks like HTTP', () => {
    const requests: [string, string][] = [
      ['POST', 'POST /keys/smuggled-post HTTP/1.1\r\nHost: x\r\nContent-Length: 24\r\n\r\nSTORE smuggled-post v\r\n'],
      ['PUT', 'PUT /keys/smuggled-put HTTP/1.1\r\nHost: x\r\n\r\nSTORE smuggled-put v\r\n'],
      ['HEAD', 'HEAD / HTTP/1.1\r\nSTORE smuggled-head v\r\n'],
      ['GET / HTTP/1.1', 'GET / HTTP/1.1\r\nHost: x\r\n\r\nSTORE smuggled-get v\r\n'],
      ['a header first', 'Host: 127.0.0.1:8111\r\nSTORE smuggled-host v\r\n'],
    ];

    it.each(requests)('%s closes the connection without answering or storing anything', async (_, request) => {
      const replies = await exchangeUntilClosed(port, request);
      expect(replies.toString()).toBe('');
      const smuggled = /STORE (\S+)/.exec(request)?.[1] as string;
      expect(await getElsewhere(smuggled)).toBe('');
    });

    it('from a real HTTP client gets no HTTP response and stores nothing', async () => {
      const body = 'STORE smuggled-fetch v\r\n';
      await expect(
        fetch(`http://127.0.0.1:${port}/keys/smuggled-fetch`, {
          method: 'PUT',
          body,
          signal: AbortSignal.timeout(5000),
        }),
      ).rejects.toThrow();
      expect(await getElsewhere('smuggled-fetch')).toBe('');
    });
  });

  it('answers 1,000 commands sent in one write, in order', async () => {
    const client = await connect();
    const lines: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 250; i++) {
      lines.push(`STORE bulk-${i} value-${i}`, `GET bulk-${i}`, `EXISTS bulk-${i}`, `GET bulk-missing-${i}`);
      expected.push('W00T!', `value-${i}`, 'AWESOME!', '');
    }
    client.send(`${lines.join('\r\n')}\r\n`);
    expect(await client.readLines(1000)).toEqual(expected);
    expect(client.partial).toBe('');
  });

  it('answers one command sent a byte at a time', async () => {
    const socket = await new Promise<net.Socket>((resolve) => {
      const s = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(s));
    });
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    const closed = new Promise((resolve) => socket.once('close', resolve));
    for (const byte of Buffer.from('STORE byte-wise ü v\r\nGET byte-wise\r\nQUIT\r\n')) {
      await write(socket, Buffer.from([byte]));
    }
    await closed;
    expect(Buffer.concat(received).toString()).toBe('W00T!\r\nü v\r\n');
  });

  it('gives exactly one W00T! per name to 50 connections racing STORE on 200 names, and GET returns the winner', async () => {
    const names = Array.from({ length: 200 }, (_, i) => `race-${i}`);
    const clients = await Promise.all(Array.from({ length: 50 }, () => connect()));
    const replies = await Promise.all(
      clients.map(async (client, c) => {
        // Every connection goes through the names in its own order.
        const order = names.map((_, i) => (i * (2 * c + 1) + c) % names.length);
        client.send(order.map((i) => `STORE ${names[i]} from-${c}\r\n`).join(''));
        const lines = await client.readLines(names.length);
        return order.map((i, k) => ({ name: names[i] as string, client: c, reply: lines[k] }));
      }),
    );
    const winners = new Map<string, number[]>();
    for (const { name, client, reply } of replies.flat()) {
      expect(['W00T!', 'RARGH!']).toContain(reply);
      if (reply === 'W00T!') winners.set(name, [...(winners.get(name) ?? []), client]);
    }
    for (const name of names) expect(winners.get(name), name).toHaveLength(1);
    const reader = clients[0] as LineClient;
    reader.send(names.map((name) => `GET ${name}\r\n`).join(''));
    const values = await reader.readLines(names.length);
    expect(values).toEqual(names.map((name) => `from-${winners.get(name)?.[0]}`));
    for (const client of clients) client.close();
  });
});

describe('the TCP connection cap', () => {
  let gateway: SpawnedGateway;
  const open: LineClient[] = [];

  beforeAll(async () => {
    gateway = await spawnGateway(['--max-connections', '3']);
  });

  afterAll(async () => {
    for (const client of open) client.close();
    await gateway?.stop();
  });

  async function connect(): Promise<LineClient> {
    const client = await LineClient.connect(gateway.tcpPort);
    open.push(client);
    return client;
  }

  it('refuses a connection past --max-connections with ERROR, then accepts one again after a close', async () => {
    const first = await connect();
    const others = [await connect(), await connect()];
    for (const client of [first, ...others]) expect(await client.request('PING')).toBe('PONG');

    const fourth = await connect();
    expect(await fourth.readLine()).toBe('ERROR too many connections (see --max-connections)');
    await fourth.waitClosed();

    first.send('QUIT\r\n');
    await first.waitClosed();
    // The server frees the slot when it sees the close: ask until it has, within a deadline.
    const deadline = Date.now() + 5000;
    for (;;) {
      const next = await connect();
      const reply = await next.request('PING');
      if (reply === 'PONG') break;
      expect(reply).toBe('ERROR too many connections (see --max-connections)');
      next.close();
      if (Date.now() > deadline) expect.fail('no connection accepted within 5 s after one closed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const client of others) expect(await client.request('PING')).toBe('PONG');
  });
});
