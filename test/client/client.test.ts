// The client library (SPEC section 12) through a real gateway, one set of
// behaviour tests run over both transports: jnhp:// (TCP) and ws://.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, ErrorCode, type JnhpClient, JnhpError } from '../../client/index.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { fixture } from '../helpers/validator-fixtures.js';

const MAX_LINE_BYTES = 2048;
const SLOW = ['--validator', `module:${fixture('slow-module.mjs')}`];

type Scheme = 'jnhp' | 'ws';
const urlOf = (scheme: Scheme, gateway: SpawnedGateway): string =>
  scheme === 'jnhp' ? `jnhp://127.0.0.1:${gateway.tcpPort}` : `ws://127.0.0.1:${gateway.httpPort}/ws`;

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<JnhpError> {
  const settled = await promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in settled)) throw new Error(`expected a rejection, got ${JSON.stringify(settled.value)}`);
  expect(settled.error).toBeInstanceOf(JnhpError);
  return settled.error as JnhpError;
}

describe.each<Scheme>(['jnhp', 'ws'])('the client over %s://', (scheme) => {
  let gateway: SpawnedGateway;
  let client: JnhpClient;
  const name = (n: string): string => `${scheme}-${n}`;

  beforeAll(async () => {
    gateway = await spawnGateway(['--max-line-bytes', String(MAX_LINE_BYTES), ...SLOW]);
    client = await connect(urlOf(scheme, gateway));
  });
  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  });

  it('stores, reads and checks names, and answers PING', async () => {
    expect(await client.store(name('greeting'), 'hello,  world\t ')).toBe(true);
    expect(await client.store(name('greeting'), 'again')).toBe(false);
    expect(await client.get(name('greeting'))).toBe('hello,  world\t ');
    expect(await client.get(name('nobody'))).toBeNull();
    expect(await client.exists(name('greeting'))).toBe(true);
    expect(await client.exists(name('nobody'))).toBe(false);
    expect(await client.ping()).toBeUndefined();
  });

  it('keeps names and values as UTF-8, and a value that looks like a reply is still a value', async () => {
    expect(await client.store(name('鍵'), 'värde ✓')).toBe(true);
    expect(await client.get(name('鍵'))).toBe('värde ✓');
    expect(await client.store(name('looks-like'), 'RARGH!')).toBe(true);
    expect(await client.get(name('looks-like'))).toBe('RARGH!');
  });

  it('pipelines many commands and settles them in the order they were sent', async () => {
    const settled: number[] = [];
    const calls: Promise<unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const call =
        i % 3 === 0
          ? client.store(name(`p${i}`), `v${i}`)
          : i % 3 === 1
            ? client.get(name(`p${i - 1}`))
            : client.exists(name(`p${i - 2}`));
      calls.push(
        call.then((value) => {
          settled.push(i);
          return value;
        }),
      );
    }
    expect(client.inFlight).toBeGreaterThan(1);
    const results = await Promise.all(calls);
    expect(settled).toEqual([...settled].sort((a, b) => a - b));
    for (let i = 0; i < 300; i += 3) expect(results.slice(i, i + 3)).toEqual([true, `v${i}`, true]);
  });

  it('rejects ERROR with a JnhpError carrying the reason, and goes on', async () => {
    const line = `STORE ${name('long')} `;
    const error = await rejection(client.store(name('long'), 'x'.repeat(MAX_LINE_BYTES + 1 - line.length)));
    expect(error.code).toBe(ErrorCode.ErrorReply);
    expect(error.message).toBe(`line longer than ${MAX_LINE_BYTES} bytes (see --max-line-bytes)`);
    expect(await client.ping()).toBeUndefined();
  });

  it('checks names and values with the server rules before sending anything', async () => {
    const cases: [Promise<unknown>, ErrorCode][] = [
      [client.store('has space', 'v'), ErrorCode.BadName],
      [client.get(''), ErrorCode.BadName],
      [client.exists('x'.repeat(251)), ErrorCode.BadName],
      [client.get('tab\there'), ErrorCode.BadName],
      [client.get('bad\ud800'), ErrorCode.InvalidUtf8],
      [client.store(name('sent-never'), 'line\nbreak'), ErrorCode.BadValue],
      [client.store(name('sent-never'), 'nul\0'), ErrorCode.BadValue],
      [client.store(name('sent-never'), ''), ErrorCode.BadValue],
      [client.store(name('sent-never'), ' leading space'), ErrorCode.BadValue],
      [client.store(name('sent-never'), 'lone \udc00'), ErrorCode.InvalidUtf8],
    ];
    for (const [call, code] of cases) expect((await rejection(call)).code).toBe(code);
    expect(client.closed).toBe(false);
    expect(await client.exists(name('sent-never'))).toBe(false);
    expect(await client.store(name('x'.repeat(250 - scheme.length - 1)), 'longest name')).toBe(true);
  });

  it('sends typed lines as they are and resolves with the reply line', async () => {
    expect(await client.sendLine(`store ${name('typed')} typed value`)).toBe('W00T!');
    expect(await client.sendLine(`GET ${name('typed')}`)).toBe('typed value');
    expect(await client.sendLine('FROB x')).toBe("ERROR unknown command 'FROB'");
    expect((await rejection(client.sendLine('QUIT'))).code).toBe(ErrorCode.WrongArguments);
    expect((await rejection(client.sendLine('  '))).code).toBe(ErrorCode.WrongArguments);
    expect((await rejection(client.sendLine('PING\nPING'))).code).toBe(ErrorCode.WrongArguments);
  });

  it('times out: every pending command fails, a sent STORE as outcome unknown, and the connection closes', async () => {
    const impatient = await connect(urlOf(scheme, gateway), { timeoutMs: 300 });
    const store = rejection(impatient.store(name('late'), 'slow:1500'));
    const get = rejection(impatient.get(name('late')));
    const stored = await store;
    expect(stored.code).toBe(ErrorCode.OutcomeUnknown);
    expect(stored.message).toMatch(/outcome unknown.*no reply within 300 ms/);
    expect((await get).code).toBe(ErrorCode.Timeout);
    expect(impatient.closed).toBe(true);
    expect((await rejection(impatient.ping())).code).toBe(ErrorCode.ConnectionLost);
    // The STORE was applied by the server after all: its outcome really was unknown.
    let present = false;
    const poll = async (): Promise<void> => {
      present = await client.exists(name('late'));
    };
    const deadline = Date.now() + 10_000;
    while (!present && Date.now() < deadline) await poll();
    expect(present).toBe(true);
    expect(await client.get(name('late'))).toBe('slow:1500');
  });

  it('tells the reason when the gateway refuses the connection', async () => {
    const full = await spawnGateway(['--max-connections', '1']);
    const first = await connect(urlOf(scheme, full));
    try {
      expect(await first.ping()).toBeUndefined();
      const second = await connect(urlOf(scheme, full));
      const error = await rejection(second.ping());
      expect(error.message).toMatch(/too many connections \(see --max-connections\)/);
      await second.done;
      expect(second.closed).toBe(true);
    } finally {
      await first.close();
      await full.stop();
    }
  });

  it('rejects pending commands when the connection is lost, a sent STORE as outcome unknown', async () => {
    const doomed = await spawnGateway(SLOW);
    const lost = await connect(urlOf(scheme, doomed));
    expect(await lost.store(name('before'), 'kept')).toBe(true);
    const store = rejection(lost.store(name('during'), 'slow:60000'));
    const get = rejection(lost.get(name('before')));
    await doomed.stop('SIGKILL');
    const stored = await store;
    expect(stored.code).toBe(ErrorCode.OutcomeUnknown);
    expect(stored.message).toMatch(/outcome unknown/);
    expect((await get).code).toBe(ErrorCode.ConnectionLost);
    expect((await lost.done).code).toBe(ErrorCode.ConnectionLost);
  });

  it('close() lets earlier commands finish, then closes', async () => {
    const closing = await connect(urlOf(scheme, gateway));
    const store = closing.store(name('before-close'), 'slow:200');
    const closed = closing.close();
    expect(await store).toBe(true);
    await closed;
    expect(closing.closed).toBe(true);
    expect((await rejection(closing.get(name('before-close')))).code).toBe(ErrorCode.ConnectionLost);
  });

  it('rejects connect() to a port where nobody listens', async () => {
    const stopped = await spawnGateway();
    const url = urlOf(scheme, stopped);
    await stopped.stop();
    await expect(connect(url)).rejects.toThrow();
  });
});

describe('connect() URLs', () => {
  it('refuses an unknown scheme and a jnhps:// URL without a port', async () => {
    await expect(connect('http://127.0.0.1:8080')).rejects.toThrow(/unsupported URL scheme 'http:'/);
    await expect(connect('jnhps://127.0.0.1')).rejects.toThrow(/needs a port/);
    await expect(connect('not a url')).rejects.toThrow(/not a URL/);
  });
});
