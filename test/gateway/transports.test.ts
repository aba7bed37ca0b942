// TCP, WebSocket and REST serve one store with one semantics: the same
// scenario gives the same outcomes on all three, names cross transports, and
// racing STOREs from all three give exactly one winner per name.

import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient } from '../helpers/line-client.js';
import { repoRoot } from '../helpers/repo-root.js';
import { type SpawnedGateway, spawnGateway } from '../helpers/spawn-gateway.js';
import { WsClient } from '../helpers/ws-client.js';

const MAX_LINE_BYTES = 1024;
const decide = path.join(repoRoot(), 'test', 'fixtures', 'validators', 'rest-decide.mjs');

/** What a command came to, in words every transport can be mapped to. */
type Outcome = 'stored' | 'no' | 'present' | 'absent' | `hit:${string}` | 'miss' | 'error';

type Step =
  | { readonly op: 'STORE'; readonly name: Buffer; readonly value: Buffer }
  | { readonly op: 'GET' | 'EXISTS'; readonly name: Buffer };

const b = (text: string): Buffer => Buffer.from(text, 'utf8');

/** The seed transcript, then every kind of error REST and the line protocol share. */
function scenario(prefix: string): { steps: Step[]; expected: Outcome[] } {
  const n = (rest: string): Buffer => b(`${prefix}${rest}`);
  const rows: [Step, Outcome][] = [
    [{ op: 'STORE', name: n('foo'), value: b('bar') }, 'stored'],
    [{ op: 'STORE', name: n('foo'), value: b('baz') }, 'no'],
    [{ op: 'EXISTS', name: n('foo') }, 'present'],
    [{ op: 'GET', name: n('foo') }, 'hit:bar'],
    [{ op: 'GET', name: n('nothing') }, 'miss'],
    [{ op: 'EXISTS', name: n('nothing') }, 'absent'],
    [{ op: 'STORE', name: n('spaced'), value: b('a b  c\t') }, 'stored'],
    [{ op: 'GET', name: n('spaced') }, 'hit:a b  c\t'],
    [{ op: 'STORE', name: n('x'.repeat(251 - prefix.length)), value: b('v') }, 'error'],
    [{ op: 'STORE', name: n('ctl\x01'), value: b('v') }, 'error'],
    [{ op: 'STORE', name: Buffer.concat([n('bad'), Buffer.from([0xff])]), value: b('v') }, 'error'],
    [{ op: 'STORE', name: n('badvalue'), value: Buffer.from([0x61, 0xfe]) }, 'error'],
    [{ op: 'STORE', name: n('empty'), value: b('') }, 'error'],
    [{ op: 'STORE', name: n('toolong'), value: b('v'.repeat(MAX_LINE_BYTES + 1)) }, 'error'],
    [{ op: 'GET', name: n('toolong') }, 'miss'],
    [{ op: 'STORE', name: n('refused'), value: b('refuse-me') }, 'no'],
    [{ op: 'STORE', name: n('failing'), value: b('fail-me') }, 'no'],
    [{ op: 'EXISTS', name: n('refused') }, 'absent'],
    [{ op: 'GET', name: n('failing') }, 'miss'],
  ];
  return { steps: rows.map(([s]) => s), expected: rows.map(([, o]) => o) };
}

function line(step: Step): Buffer {
  if (step.op === 'STORE') return Buffer.concat([b('STORE '), step.name, b(' '), step.value]);
  return Buffer.concat([b(`${step.op} `), step.name]);
}

function lineOutcome(step: Step, reply: string): Outcome {
  if (reply.startsWith('ERROR ')) return 'error';
  switch (step.op) {
    case 'STORE':
      return reply === 'W00T!' ? 'stored' : reply === 'RARGH!' ? 'no' : 'error';
    case 'EXISTS':
      return reply === 'AWESOME!' ? 'present' : reply === 'RARGH!' ? 'absent' : 'error';
    case 'GET':
      return reply === '' ? 'miss' : `hit:${reply}`;
  }
}

/** Percent-encodes every byte that is not unreserved, invalid UTF-8 included. */
function encodeName(name: Buffer): string {
  let out = '';
  for (const byte of name) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

async function restOutcome(base: string, step: Step): Promise<Outcome> {
  const url = `${base}/keys/${encodeName(step.name)}`;
  if (step.op === 'STORE') {
    const res = await fetch(url, { method: 'PUT', body: step.value });
    await res.arrayBuffer();
    if (res.status === 201) return 'stored';
    if ([409, 403, 503].includes(res.status)) return 'no';
    return 'error';
  }
  if (step.op === 'EXISTS') {
    const res = await fetch(url, { method: 'HEAD' });
    return res.status === 200 ? 'present' : res.status === 404 ? 'absent' : 'error';
  }
  const res = await fetch(url);
  const text = await res.text();
  return res.status === 200 ? `hit:${text}` : res.status === 404 ? 'miss' : 'error';
}

describe('TCP, WebSocket and REST', () => {
  let gateway: SpawnedGateway;
  let base: string;

  beforeAll(async () => {
    gateway = await spawnGateway(['--max-line-bytes', String(MAX_LINE_BYTES), '--validator', `module:${decide}`]);
    base = `http://127.0.0.1:${gateway.httpPort}`;
  });
  afterAll(async () => {
    await gateway?.stop();
  });

  it('give the same outcomes to one scripted scenario, errors included', async () => {
    const tcp = scenario('tcp-');
    const client = await LineClient.connect(gateway.tcpPort);
    client.send(Buffer.concat(tcp.steps.flatMap((s) => [line(s), b('\r\n')])));
    const tcpReplies = await client.readLines(tcp.steps.length);
    client.close();

    const ws = scenario('ws-');
    let wsClient = await WsClient.connect(gateway.httpPort);
    const wsOutcomes: Outcome[] = [];
    for (const step of ws.steps) {
      wsClient.send(line(step));
      const [reply] = await wsClient.read(1).catch(() => [null]);
      if (reply === null || reply === undefined) {
        // SPEC 2: a message larger than the line limit may close with 1009 instead of ERROR.
        expect(await wsClient.waitClosed()).toBe(1009);
        wsOutcomes.push('error');
        wsClient = await WsClient.connect(gateway.httpPort);
      } else {
        wsOutcomes.push(lineOutcome(step, reply));
      }
    }
    wsClient.close();

    const rest = scenario('http-');
    const restOutcomes: Outcome[] = [];
    for (const step of rest.steps) restOutcomes.push(await restOutcome(base, step));

    expect(tcp.steps.map((s, i) => lineOutcome(s, tcpReplies[i] as string))).toEqual(tcp.expected);
    expect(wsOutcomes).toEqual(ws.expected);
    expect(restOutcomes).toEqual(rest.expected);
  });

  it('see a name stored over any of them over the other two', async () => {
    const tcp = await LineClient.connect(gateway.tcpPort);
    const ws = await WsClient.connect(gateway.httpPort);
    const restGet = async (name: string): Promise<string> => (await fetch(`${base}/keys/${name}`)).text();
    const restHead = async (name: string): Promise<number> =>
      (await fetch(`${base}/keys/${name}`, { method: 'HEAD' })).status;

    expect(await tcp.request('STORE cross-tcp from tcp')).toBe('W00T!');
    expect(await ws.request('STORE cross-ws from ws')).toBe('W00T!');
    expect((await fetch(`${base}/keys/cross-http`, { method: 'PUT', body: 'from http' })).status).toBe(201);

    for (const from of ['tcp', 'ws', 'http']) {
      const name = `cross-${from}`;
      const value = `from ${from}`;
      expect(await tcp.request(`GET ${name}`)).toBe(value);
      expect(await tcp.request(`EXISTS ${name}`)).toBe('AWESOME!');
      expect(await ws.request(`GET ${name}`)).toBe(value);
      expect(await ws.request(`EXISTS ${name}`)).toBe('AWESOME!');
      expect(await restGet(name)).toBe(value);
      expect(await restHead(name)).toBe(200);
      expect(await tcp.request(`STORE ${name} again`)).toBe('RARGH!');
      expect(await ws.request(`STORE ${name} again`)).toBe('RARGH!');
      expect((await fetch(`${base}/keys/${name}`, { method: 'PUT', body: 'again' })).status).toBe(409);
    }
    tcp.close();
    ws.close();
  });

  it('give exactly one success per name to 50 TCP, 50 WebSocket and 50 HTTP clients racing STOREs', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    const clients = 50;
    // Each client tries the names in its own order, so that every transport wins some.
    const order = (client: number): string[] => names.map((_, i) => names[(i + client * 7) % names.length] as string);
    const wins = new Map<string, string[]>();
    const won = (name: string, who: string): void => {
      wins.set(name, [...(wins.get(name) ?? []), who]);
    };

    const tcpClients = await Promise.all(Array.from({ length: clients }, () => LineClient.connect(gateway.tcpPort)));
    const wsClients = await Promise.all(Array.from({ length: clients }, () => WsClient.connect(gateway.httpPort)));
    const tcpRace = tcpClients.map(async (client, c) => {
      const mine = order(c);
      client.send(mine.map((name) => `STORE ${name} tcp-${c}\r\n`).join(''));
      const replies = await client.readLines(mine.length, 20_000);
      replies.forEach((reply, i) => {
        expect(['W00T!', 'RARGH!']).toContain(reply);
        if (reply === 'W00T!') won(mine[i] as string, `tcp-${c}`);
      });
    });
    const wsRace = wsClients.map(async (client, c) => {
      const mine = order(c + clients);
      client.send(mine.map((name) => `STORE ${name} ws-${c}`).join('\n'));
      const replies = await client.read(mine.length, 20_000);
      replies.forEach((reply, i) => {
        expect(['W00T!', 'RARGH!']).toContain(reply);
        if (reply === 'W00T!') won(mine[i] as string, `ws-${c}`);
      });
    });
    const httpRace = Array.from({ length: clients }, async (_, c) => {
      for (const name of order(c + 2 * clients)) {
        const res = await fetch(`${base}/keys/${name}`, { method: 'PUT', body: `http-${c}` });
        await res.arrayBuffer();
        expect([201, 409]).toContain(res.status);
        if (res.status === 201) won(name, `http-${c}`);
      }
    });
    await Promise.all([...tcpRace, ...wsRace, ...httpRace]);

    for (const name of names) {
      const winners = wins.get(name) ?? [];
      expect(winners, name).toHaveLength(1);
      expect(await tcpClients[0]?.request(`GET ${name}`)).toBe(winners[0]);
    }
    for (const client of tcpClients) client.close();
    for (const client of wsClients) client.close();
  });
});
